/**
 * Writes the training report folder: SVG pictures, the first-layer weights as PNG, index.html,
 * history.json — each file atomically (src/io/atomic.ts), so a full disk or a killed run never
 * leaves a truncated or empty file; a failure is a Left with one line.
 */
import { mkdirSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { reason, writeFileAtomic } from '../io/atomic.js'
import { join } from 'node:path'
import { encodePng } from '../io/pngEncode.js'
import type { Check } from '../train/diagnostics.js'
import { accuracySvg, boundarySvg, captions, filterTiles, learningRateSvg, lossSvg, ratioSvg, reportHtml, weightTiles, type Boundary } from '../train/report.js'
import type { Tensor } from '../core/Tensor.js'
import type { TrainState } from '../train/TrainState.js'

export interface ReportInput {
  readonly dir: string
  readonly title: string
  readonly facts: readonly (readonly [string, string])[]
  readonly checks: readonly Check[]
  /** The hazards block of the run's graph (lines). */
  readonly hazards?: readonly string[]
  readonly state: TrainState
  /** First-layer weights and the image shape of the inputs, when the inputs are images. */
  readonly firstLayer?: { readonly w: Tensor; readonly image: readonly [number, number, number] }
  /** The decision regions, when the inputs are 2-D. */
  readonly boundary?: Boundary
}

/** Writes the report and returns the path of index.html. */
export function writeReport(r: ReportInput): E.Either<SymgradError, string> {
  try {
    mkdirSync(r.dir, { recursive: true })
  } catch (e) {
    return E.left(new SymgradError('io', `cannot write ${r.dir}: ${reason(e)}`))
  }
  const files: [string, string | Uint8Array][] = []
  const h = r.state.history
  const cap = captions(h)
  const images = [
    { file: 'loss.svg', caption: cap.loss, svg: lossSvg(h) },
    { file: 'accuracy.svg', caption: cap.accuracy, svg: accuracySvg(h) },
    { file: 'ratios.svg', caption: cap.ratios, svg: ratioSvg(h) },
    { file: 'learning-rate.svg', caption: cap.learningRate, svg: learningRateSvg(h) },
    ...(r.boundary === undefined ? [] : [{
      file: 'boundary.svg',
      caption: `Decision regions of the trained network over the 2-D inputs (colour: predicted class, paler where its probability is lower), the ${r.boundary.points.y.length} training points on top.`,
      svg: boundarySvg(r.boundary),
    }]),
  ]
  for (const i of images) files.push([i.file, i.svg])
  const pics: { file: string; caption: string }[] = images.map(({ file, caption }) => ({ file, caption }))
  if (r.firstLayer && r.firstLayer.w.shape.length === 4) {
    const w = r.firstLayer.w
    const ras = filterTiles(w)
    files.push(['filters.png', encodePng(ras)])
    pics.push({ file: 'filters.png', caption: `First-layer convolution filters, one ${w.shape[2]}×${w.shape[3]} tile per filter (${w.shape[0]}, each scaled to its own range${w.shape[1] === 3 ? ', in colour' : w.shape[1] === 1 ? '' : ', channel 0'}): some show light/dark bands (edges at that orientation), many look speckled at this size; examples/07-convnet.ts draws the maps they produce on a digit.` })
  } else if (r.firstLayer) {
    const ras = weightTiles(r.firstLayer.w, r.firstLayer.image)
    files.push(['weights.png', encodePng(ras)])
    pics.push({ file: 'weights.png', caption: 'First-layer weights, one 28×28 tile per hidden unit (first 100, each scaled to its own range): stroke-like templates in the middle; the border pixels are 0 in every image, so their weights get no gradient and keep the initial noise (shrunk only by L2).' })
  }
  files.push(['history.json', JSON.stringify({ ...h, status: r.state.status, step: r.state.step })])
  files.push(['index.html', reportHtml({ title: r.title, facts: r.facts, checks: r.checks, ...(r.hazards ? { hazards: r.hazards } : {}), images: pics })])
  for (const [file, content] of files) {
    const w = writeFileAtomic(join(r.dir, file), content)
    if (E.isLeft(w)) return w
  }
  return E.right(join(r.dir, 'index.html'))
}
