/**
 * `symgrad predict --model ckpt.json --input <digit.png | folder | images.idx[.gz] | rows.csv>`: the
 * top classes with their probabilities, per image or row. Images become rows exactly as the
 * checkpoint's `input` record says (the data loader's scale, grey by luma, alpha over black, never
 * resized), and the line says what was done. Bad input of every kind (not a PNG, truncated, 16-bit,
 * another size, a forged 20,000×20,000 header, a model that does not take images) is one line and
 * exit status 2, found before anything is printed.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { quote } from '../core/codecs.js'
import * as D from '../data/Dataset.js'
import type { DecodedImage, PixelInput } from '../data/pixels.js'
import { imageToRow } from '../data/pixels.js'
import { decodeCheckpoint, pixelInputOf, type Loaded } from '../records/checkpoint.js'
import { checkpointJson } from './withFlag.js'
import { loadCsv, loadIdxImages, readPng } from '../io/files.js'
import { predictRows, type ClassProbability } from '../train/predictImage.js'
import { ArgError, type FlagSpec, type ParsedArgs } from './args.js'
import { inFile, orExit } from './commands.js'
import type { CommandOptions } from './context.js'

export const predictFlags: Record<string, FlagSpec> = {
  model: { kind: 'string', help: 'a checkpoint written by symgrad train --save' },
  input: { kind: 'string', help: 'a PNG, a folder of PNGs, an IDX images file (.gz too) or a CSV file of label,x1,…,xD rows' },
  invert: { kind: 'boolean', help: 'invert the images first (dark ink on light paper → light on dark, as MNIST)' },
  top: { kind: 'number', help: 'classes shown per input   [3]' },
  limit: { kind: 'number', help: 'at most this many images or rows (the first ones)   [all]' },
}

/** At most this many PNG files in a folder. */
const MAX_FILES = 10_000

const shown = (top: readonly ClassProbability[]): string => top.map((c) => `${c.label} ${(c.probability * 100).toFixed(1)}%`).join(', ')

function positiveInt(a: ParsedArgs, flag: string): number | undefined {
  const v = a.flags[flag]
  if (v === undefined) return undefined
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)) throw new ArgError(`predict: --${flag}: expected a positive integer, got ${String(v)}`)
  return v
}

function pixelInput(path: string, loaded: Loaded, warn: (line: string) => void): PixelInput {
  // images cannot be preprocessed by hand on the way in: a model that needs it gets CSV rows only
  if (loaded.note !== undefined) throw new ArgError(`${path}: ${loaded.note}; predict cannot do that to images: give preprocessed rows with --input rows.csv`)
  const r = pixelInputOf(loaded)
  if (r === undefined)
    throw new ArgError(`${path}: the checkpoint does not say how its inputs were made from images${loaded.run !== undefined ? ` (trained on ${quote(loaded.run.data)})` : ''}; give rows with --input rows.csv`)
  if (r.note !== undefined) warn(`symgrad: note: ${path}: ${r.note}`)
  return r.input
}

/** The PNG files of a folder, sorted by name. */
function pngFiles(dir: string, limit: number): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (e) {
    throw new ArgError(`cannot read the folder ${dir}: ${e instanceof Error ? e.message : String(e)}`)
  }
  const files = names.filter((n) => /\.png$/i.test(n)).sort().slice(0, limit)
  if (files.length === 0) throw new ArgError(`${dir}: no .png files in this folder`)
  if (files.length > MAX_FILES) throw new ArgError(`${dir}: ${files.length} .png files, over the limit of ${MAX_FILES} per run (pass --limit n)`)
  return files.map((n) => join(dir, n))
}

const isFolder = (p: string): boolean => {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** `o.err` receives the one-line notes; predictions go to stdout; bad input is an ArgError; the checkpoint's records resolve through `o.registries`. */
export function predictCommand(a: ParsedArgs, o: CommandOptions): number {
  const warn = o.err
  const modelPath = a.flags['model']
  const inputPath = a.flags['input']
  if (typeof modelPath !== 'string') throw new ArgError('predict: --model <checkpoint.json> is required, e.g. symgrad predict --model run.json --input digit.png')
  if (typeof inputPath !== 'string') throw new ArgError('predict: --input <file> is required: a PNG, a folder of PNGs, an IDX images file or a CSV file')
  const top = positiveInt(a, 'top') ?? 3
  const limit = positiveInt(a, 'limit') ?? Infinity
  const invert = a.flags['invert'] === true
  const loaded = orExit(inFile(modelPath, decodeCheckpoint(checkpointJson(modelPath, o, 'predict'), { registries: o.registries })))
  const csv = /\.csv$/i.test(inputPath)
  if (loaded.note !== undefined && csv) warn(`symgrad: note: ${modelPath}: ${loaded.note}`)
  const { model, state } = loaded
  const rows = (x: Float64Array, n: number) => orExit(predictRows(model, state.params, state.modelState, { shape: [n, model.in], data: x }, top))

  if (csv) {
    if (invert) throw new ArgError('predict: --invert is for images, not CSV rows')
    const ds = orExit(loadCsv(inputPath))
    const d = D.features(ds)
    if (d !== model.in) throw new ArgError(`${inputPath}: rows of ${d} features; the model takes ${model.in}`)
    const n = Math.min(D.size(ds), limit)
    const preds = rows(ds.x.data.subarray(0, n * d), n)
    console.log(`${inputPath}: ${n} row${n === 1 ? '' : 's'} of ${d} features, as given (no scaling; the label column is compared)`)
    let right = 0
    preds.forEach((p, i) => {
      right += p[0]!.label === ds.y.data[i] ? 1 : 0
      console.log(`[${i}] label ${ds.y.data[i]}: ${shown(p)}`)
    })
    console.log(`accuracy: ${right}/${n} (${((100 * right) / n).toFixed(1)}%)`)
    return 0
  }

  const input = pixelInput(modelPath, loaded, warn)
  const toRows = (images: readonly DecodedImage[], names: readonly string[]) => {
    const x = new Float64Array(images.length * model.in)
    const steps: string[] = []
    images.forEach((img, i) => {
      const r = orExit(inFile(names[i]!, imageToRow(img, input, { invert })))
      x.set(r.row, i * model.in)
      steps.push(r.steps)
      if (r.lightBackground && !invert && images.length === 1)
        warn(`symgrad: note: ${names[i]}: the border is light; the model was trained on light ink on a dark background (as MNIST): try --invert`)
    })
    return { x, steps }
  }

  if (/\.png$/i.test(inputPath) || isFolder(inputPath)) {
    const files = isFolder(inputPath) ? pngFiles(inputPath, limit) : [inputPath]
    const images = files.map((f) => orExit(readPng(f, input))) // every file checked before anything is printed
    const { x, steps } = toRows(images, files)
    rows(x, images.length).forEach((p, i) => console.log(`${files[i]}: ${steps[i]}: ${shown(p)}`))
    return 0
  }

  if (/(\.idx|-ubyte|\.idx\d?-ubyte)(\.gz)?$|\.gz$/i.test(inputPath)) {
    const all = orExit(loadIdxImages(inputPath))
    const images = all.slice(0, limit)
    const { x, steps } = toRows(images, images.map((_, i) => `${inputPath}[${i}]`))
    console.log(`${inputPath}: ${images.length} of ${all.length} images, each ${steps[0]}`)
    rows(x, images.length).forEach((p, i) => console.log(`[${i}] ${shown(p)}`))
    return 0
  }
  throw new ArgError(`predict: --input ${quote(inputPath)}: expected a .png file, a folder of PNGs, an IDX images file (.idx, -ubyte, .gz) or a .csv file`)
}
