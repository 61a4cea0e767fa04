import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { dense, relu, tanh } from '../src/nn/layers.js'
import { sequential } from '../src/nn/model.js'
import { activationStats, formatStats, histogram, summarize } from '../src/nn/stats.js'
import { softmaxCrossEntropy } from '../src/nn/losses.js'
import { grid, histogramPlot, heatmap, linePlot, niceTicks, toSvg } from '../src/plot/svg.js'
import { run as run03, picture, table } from '../examples/03-init-statistics.js'
import { run as run04 } from '../examples/04-linear-classifiers.js'

describe('activation statistics', () => {
  it('histogram counts every value once; values outside the range are counted apart', () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1, -1, 2], { bins: 4, range: [0, 1] })
    expect(h.counts).toEqual([2, 0, 1, 2])
    expect([h.below, h.above]).toEqual([1, 1])
    expect(h.edges).toEqual([0, 0.25, 0.5, 0.75, 1])
    const s = summarize(T.of([1, 2, 3, 4]))
    expect([s.mean, s.std, s.min, s.max]).toEqual([2.5, Math.sqrt(1.25), 1, 4])
  })
  it('reports each layer of a batch, and gradients of a loss w.r.t. layer outputs', () => {
    const m = sequential(dense(6, 5), tanh, dense(5, 3))
    const { params, state } = m.init(R.key(1))
    const x = R.normal(R.key(2), [20, 6])
    const y = T.make([20], Array.from({ length: 20 }, (_, i) => i % 3))
    const yi = ops.input('y', [20])
    const st = activationStats(m, params, state, x, { loss: { fn: (out) => softmaxCrossEntropy(out, yi), bindings: { y } } })
    expect(E.isRight(st)).toBe(true)
    if (E.isLeft(st)) return
    expect(st.right.map((l) => [l.name, l.kind])).toEqual([['dense0', 'dense'], ['tanh0', 'tanh'], ['dense1', 'dense']])
    // the last layer's gradient is (softmax − onehot)/N: every row sums to 0, so the mean is 0
    expect(Math.abs(st.right[2]!.gradients!.mean)).toBeLessThan(1e-15)
    expect(st.right[1]!.activations.max).toBeLessThanOrEqual(1)
    expect(formatStats(st.right)).toMatch(/tanh0\s+tanh/)
    const bad = activationStats(m, params, state, R.normal(R.key(2), [20, 7]))
    expect(E.isLeft(bad) && bad.left.message).toMatch(/expected a batch \[N,6\], got \[20,7\]/)
  })
})

describe('example 03: initialization statistics (small version: 10 layers × 100 units, batch 100)', () => {
  const results = run03({ batch: 100, width: 100, depth: 10 })
  const [tanhSmall, tanhXavier, reluXavier, reluHe] = results.map((r) => r.stds)
  it('tanh + small collapses to zero', () => {
    expect(tanhSmall![9]!).toBeLessThan(1e-6)
    for (let i = 1; i < 10; i++) expect(tanhSmall![i]!).toBeLessThan(tanhSmall![i - 1]! * 0.5)
  })
  it('tanh + xavier keeps a healthy spread', () => {
    for (const s of tanhXavier!) expect(s).toBeGreaterThan(0.15)
  })
  it('relu + xavier shrinks layer by layer; relu + he keeps the spread', () => {
    for (let i = 1; i < 10; i++) expect(reluXavier![i]!).toBeLessThan(reluXavier![i - 1]!)
    expect(reluXavier![9]! / reluXavier![0]!).toBeLessThan(0.1)
    expect(reluHe![9]! / reluHe![0]!).toBeGreaterThan(0.5)
    expect(reluHe![9]! / reluHe![0]!).toBeLessThan(2)
  })
  it('prints a table and draws an SVG', () => {
    expect(table(results).split('\n')).toHaveLength(12)
    const svg = picture(results)
    expect(svg.startsWith('<?xml')).toBe(true)
    expect(svg).toContain('relu + he')
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(40 * 40)
  })
})

describe('example 04: SVM vs softmax', () => {
  const r = run04()
  it('the SVM loss reaches exactly 0 and then nothing changes; the softmax loss keeps decreasing', () => {
    expect(r.svmZeroAt).toBeGreaterThan(0)
    expect(r.svmFrozenAfterZero).toBe(true)
    expect(r.svm.gradMax.at(-1)).toBe(0)
    expect(r.softmaxAlwaysDecreasing).toBe(true)
    expect(r.softmaxDecreaseAfterZero).toBeGreaterThan(1e-3)
    expect(r.softmax.loss.at(-1)!).toBeGreaterThan(0)
    expect(r.softmax.gradMax.at(-1)!).toBeGreaterThan(1e-3)
    expect(r.svm.accuracy.at(-1)).toBe(1)
    expect(r.softmax.accuracy.at(-1)).toBe(1)
  })
  it('initial losses: softmax ≈ log 3 and SVM ≈ 2 with small weights', () => {
    expect(Math.abs(r.softmax.loss[0]! - Math.log(3))).toBeLessThan(0.02)
    expect(Math.abs(r.svm.loss[0]! - 2)).toBeLessThan(0.05)
  })
  it('raising the correct score of a satisfied point: SVM unchanged, softmax decreases', () => {
    expect(r.nudge.svm).toEqual([0, 0])
    expect(r.nudge.softmax[1]).toBeLessThan(r.nudge.softmax[0])
  })
})

describe('SVG writer', () => {
  it('nice ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
    expect(niceTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6])
  })
  it('line plots, histograms, heatmaps and grids make well-formed documents', () => {
    const lp = linePlot([{ name: 'a<b', x: [1, 2, 3], y: [1, 10, 100] }, { name: 'c', x: [1, 2, 3], y: [0, NaN, 5], dashed: true }], { logY: true, legend: 'right', title: 't' })
    // the legend's own column: 34 px of swatch and gap plus 6 px per character of the longest name
    expect(lp.width).toBe(360 + 34 + 6 * 3)
    expect(lp.body).toContain('a&lt;b')
    const hp = histogramPlot({ edges: [0, 1, 2], counts: [3, 1] }, { normalize: true })
    const hm = heatmap([[0, 1], [2, 3]], { rowLabels: ['r0', 'r1'] })
    const g = grid([lp, hp, hm], { columns: 2, title: 'all' })
    expect(g.width).toBe(412 + 6 + 360)
    expect(g.height).toBe(28 + 240 + 6 + 240)
    const doc = toSvg(g)
    expect(doc.match(/<g /g)).toHaveLength(3)
    expect(doc).not.toContain('NaN')
    expect(doc.trim().endsWith('</svg>')).toBe(true)
  })
})
