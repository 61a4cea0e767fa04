/**
 * Honest plots: log axes with several labelled ticks and a "(log scale)" label, padding so no
 * curve touches the frame, legends beside the plot, whole-number epochs, a running mean centred
 * on the steps it averages, captions computed from the run, the decision boundary and the search
 * picture.
 */
import { describe, expect, it } from 'vitest'
import { axisScale, linePlot, logTicks, niceTicks, percentRange, spansDecades } from '../src/plot/svg.js'
import { accuracySvg, boundarySvg, captions, lossSvg, runningMean, smooth } from '../src/train/report.js'
import { decisionBoundary } from '../src/train/boundary.js'
import { searchSvg } from '../src/train/searchPlot.js'
import { logUniform } from '../src/train/search.js'
import { emptyHistory, type History } from '../src/train/TrainState.js'
import * as T from '../src/core/Tensor.js'
import { runCli } from '../src/cli/main.js'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!)

describe('axes', () => {
  it('log ticks: 1-2-5 within two decades, powers of ten beyond', () => {
    expect(logTicks(0.15, 1.2)).toEqual([0.2, 0.5, 1])
    expect(logTicks(1e-5, 10)).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10])
    expect(logTicks(0.3, 0.5).length).toBeGreaterThanOrEqual(2)
  })
  it('integer ticks never fall between whole numbers', () => {
    expect(niceTicks(0.9, 3.1, 5, true)).toEqual([1, 2, 3])
    expect(niceTicks(0.9, 3.1, 5)).toContain(1.5)
  })
  it('a log axis says so and pads its range; the legend sits right of the frame', () => {
    const p = linePlot([{ name: 'a', x: [1, 2, 3], y: [0.5, 0.2, 0.1] }, { name: 'b', x: [1, 3], y: [0.4, 0.3] }], { yLabel: 'loss', logY: true, width: 300, height: 200 })
    expect(texts(p.body)).toContain('loss (log scale)')
    const ys = [...p.body.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]))
    // the frame spans y = 24 … 162: no point on it
    for (const y of ys) expect(y > 24 + 2 && y < 162 - 2).toBe(true)
    const legendX = [...p.body.matchAll(/<line x1="([\d.]+)" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="#[0-9a-f]+" stroke-width="2.5"/g)].map((m) => Number(m[1]))
    expect(legendX.length).toBe(2)
    for (const x of legendX) expect(x).toBeGreaterThanOrEqual(300)
  })
})

function history(loss: number[], epochs: { train: number; val: number }[]): History {
  return {
    ...emptyHistory, loss, dataLoss: loss, learningRate: loss.map(() => 0.1), ratio: { 'dense0.W': loss.map(() => 1e-3) },
    epochs: epochs.map((e, i) => ({ epoch: i, step: (i + 1) * 10, meanLoss: 1, trainAccuracy: e.train, validationAccuracy: e.val })),
  }
}

describe('report', () => {
  it('the running mean is centred on the steps it averages', () => {
    // a ramp: the centred mean of an odd window equals the middle value, at the middle step
    const xs = Array.from({ length: 20 }, (_, i) => i + 1)
    const rm = runningMean(xs, 5)
    rm.x.forEach((step, i) => expect(rm.y[i]).toBeCloseTo(step, 12))
    const sm = smooth(xs, 4)
    sm.x.forEach((step, i) => expect(sm.y[i]).toBeCloseTo(step, 12))
  })
  it('captions are computed from the run', () => {
    const h = history(Array.from({ length: 42 }, (_, i) => 2 / (1 + i) ** 2), [{ train: 0.5, val: 0.48 }, { train: 0.9, val: 0.8 }])
    const c = captions(h)
    expect(c.loss).toContain('42 steps')
    expect(c.loss).toContain('log scale')
    expect(c.accuracy).toBe('Accuracy after each of 2 epochs: train 50.0% → 90.0%, validation 48.0% → 80.0%; train above validation by 10.0 points at the end (overfitting: more regularization or data would help).')
    expect(c.learningRate).toBe('Learning rate per step: 0.1 at step 1, 0.1 at step 42.')
    expect(texts(lossSvg(h))).toContain('loss (log scale)')
  })
  it('the decision boundary of a 2-D classifier: regions from its scores, points on top', () => {
    const ds = { name: 'two', x: T.make([4, 2], [-1, 0, -0.5, 0.2, 0.5, 0, 1, -0.2]), y: T.make([4], [0, 0, 1, 1]), classes: 2 }
    const b = decisionBoundary(ds, (x) => T.make([x.shape[0]!, 2], Array.from({ length: x.shape[0]! }, (_, i) => [-x.data[2 * i]!, x.data[2 * i]!]).flat()), 10)
    // left half class 0, right half class 1
    expect(b.cls[0]).toBe(0)
    expect(b.cls[9]).toBe(1)
    const svg = boundarySvg(b)
    expect(svg.match(/<circle /g)).toHaveLength(4)
  })
  it('search: accuracy against each numeric hyperparameter, and the lr × λ plane', () => {
    const results = [0.001, 0.01, 0.1].map((lr, i) => ({ trial: i, point: { learningRate: lr, l2: 1e-4 * (i + 1) }, score: 0.5 + 0.1 * i }))
    const svg = searchSvg(results, [0, 0, 1], { learningRate: logUniform(1e-3, 0.3), l2: logUniform(1e-6, 1e-2) })
    const t = texts(svg)
    for (const s of ['validation accuracy vs learningRate', 'validation accuracy vs l2', 'trials by learning rate and λ', 'learningRate (log scale)', 'round 1', 'round 2']) expect(t).toContain(s)
  })
})

describe('loss and accuracy axes that show the run as it was', () => {
  it('a loss spanning more than two decades gets a log axis; a narrower one a linear axis', () => {
    expect(spansDecades([1.1, 1e6, 882])).toBe(true)
    expect(spansDecades([1.1, 0.5, 0.2])).toBe(false)
    expect(spansDecades([1, 0, 1e6])).toBe(false) // a zero cannot sit on a log axis
    const diverged = history([1.1, 1e6, 4e5, 3687, 882], [])
    expect(texts(lossSvg(diverged))).toContain('loss (log scale)')
    expect(captions(diverged).loss).toContain('log scale')
    const gentle = history(Array.from({ length: 30 }, (_, i) => 1.1 - i / 100), [])
    expect(texts(lossSvg(gentle))).toContain('loss')
    expect(texts(lossSvg(gentle))).not.toContain('loss (log scale)')
    expect(captions(gentle).loss).toContain('linear scale')
  })
  it('tick labels stay short enough for the margin (1e6, never 1000000), on either axis kind', () => {
    for (const log of [false, true]) {
      const s = axisScale([1.1, 1e6, 882], { log }, 200, 10)
      expect(s.ticks.length).toBeGreaterThanOrEqual(2)
      for (const t of s.ticks) expect(s.label(t).length).toBeLessThanOrEqual(5)
    }
    expect(axisScale([1.1, 1e6], { log: true }, 200, 10).ticks.map((t) => axisScale([1.1, 1e6], { log: true }, 200, 10).label(t))).toContain('1e3')
  })
  it('accuracy is drawn in percent from a round ten below its lowest value to 100', () => {
    expect(percentRange([0.98, 0.986])).toEqual([90, 100])
    expect(percentRange([0.36, 0.52])).toEqual([30, 100])
    expect(percentRange([0.02])).toEqual([0, 100])
    const svg = accuracySvg(history([1, 1], [{ train: 0.98, val: 0.981 }, { train: 0.986, val: 0.984 }]))
    const t = texts(svg)
    expect(t).toContain('accuracy (%)')
    for (const v of ['90', '100']) expect(t).toContain(v)
    expect(t.some((x) => x.startsWith('0.98'))).toBe(false)
  })
})

describe('symgrad train --report on 2-D data', () => {
  it('writes the decision boundary and computed captions (into a temporary folder)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'symgrad-report-'))
    try {
      const log = console.log
      console.log = () => {}
      const r = await runCli(['train', '--data', 'spiral', '--epochs', '2', '--hidden', '8', '--no-babysit', '--batch', '32', '--preprocess', 'none', '--shift', '0', '--report', d]).finally(() => (console.log = log))
      expect(r.code).toBe(0)
      expect(existsSync(join(d, 'boundary.svg'))).toBe(true)
      const html = readFileSync(join(d, 'index.html'), 'utf8')
      expect(html).toContain('Accuracy after each of 2 epochs')
      expect(html).not.toContain('a fast drop, then a slow decline')
    } finally {
      rmSync(d, { recursive: true, force: true })
    }
  }, 60_000)
})
