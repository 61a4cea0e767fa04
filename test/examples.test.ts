import { describe, expect, it } from 'vitest'
import { run as backprop } from '../examples/01-backprop-by-hand.js'
import { run as xor, targets } from '../examples/02-xor.js'
import { run as convnetDemo } from '../examples/07-convnet.js'
import { methods, run as finetuneDemo } from '../examples/08-finetune.js'

describe('examples/01-backprop-by-hand', () => {
  const r = backprop()
  const values = (p: typeof r.neuron) => p.derivatives.map((d) => d.value)

  it('(x + y)·z at (−2, 5, −4): f = −12 and simplified derivatives z, z, x + y', () => {
    expect(r.circuit.f).toBe(-12)
    expect(r.circuit.derivatives).toEqual([
      { wrt: 'x', expr: 'z', value: -4 },
      { wrt: 'y', expr: 'z', value: -4 },
      { wrt: 'z', expr: 'x + y', value: 3 },
    ])
    expect(r.circuit.trace).toContain('#3·#4')
    expect(r.circuit.trace.split('\n')).toHaveLength(2 + 5)
  })

  it('the sigmoid neuron: f ≈ 0.73, ∂f/∂w ≈ [−0.20, −0.39, 0.20], ∂f/∂x ≈ [0.39, −0.59]', () => {
    for (const p of [r.neuron, r.neuronSigmoid]) {
      expect(p.f).toBeCloseTo(0.7310585786, 9)
      const [dw0, dw1, dw2, dx0, dx1] = values(p)
      const s = 0.7310585786300049 * (1 - 0.7310585786300049) // σ'(1)
      expect([dw0, dw1, dw2, dx0, dx1].map((v) => Number(v!.toFixed(2)))).toEqual([-0.2, -0.39, 0.2, 0.39, -0.59])
      expect(dw0).toBeCloseTo(-1 * s, 12)
      expect(dw1).toBeCloseTo(-2 * s, 12)
      expect(dw2).toBeCloseTo(s, 12)
      expect(dx0).toBeCloseTo(2 * s, 12)
      expect(dx1).toBeCloseTo(-3 * s, 12)
    }
    // the gate-by-gate neuron's derivative is found to be the lecture's σ(1 − σ) form too
    for (const p of [r.neuron, r.neuronSigmoid]) expect(p.derivatives[0]!.expr).toBe('σ(w0·x0 + w1·x1 + w2)·(1 − σ(w0·x0 + w1·x1 + w2))·x0')
    expect(r.neuron.trace.split('\n')).toHaveLength(2 + 14)
  })
})

describe('examples/02-xor', () => {
  it('learns XOR: predictions end within 0.05 of the targets', () => {
    const r = xor()
    expect(r.targets).toEqual(targets)
    expect(r.predictions).toHaveLength(4)
    r.predictions.forEach((p, i) => expect(Math.abs(p - targets[i]!)).toBeLessThan(0.05))
    expect(r.maxError).toBeLessThan(0.05)
    expect(r.lossHistory.at(-1)!).toBeLessThan(r.lossHistory[0]! / 100)
    expect(r.loss).toBe('0.5·sum((σ(σ(X @ W1) @ W2) − y)²)')
  })

  it('is deterministic for a seed', () => {
    const a = xor({ seed: 5, steps: 50 })
    const b = xor({ seed: 5, steps: 50 })
    expect(a.predictions).toEqual(b.predictions)
    expect(xor({ seed: 6, steps: 50 }).predictions).not.toEqual(a.predictions)
  })
})

describe('examples/07-convnet', () => {
  it('trains the small convnet on a slice of MNIST, draws its filters and maps, and passes gradcheck', () => {
    const r = convnetDemo({ trainSize: 1280, epochs: 1 })
    expect(r.testAccuracy).toBeGreaterThan(0.6)
    expect(r.summary).toContain('conv1     conv 5×5, 8→16')
    // 8 tiles of 5×5 at scale 10 with 2-pixel gaps: 3 columns, 3 rows
    expect([r.filters.width, r.filters.height]).toEqual([3 * 52 + 2, 3 * 52 + 2])
    expect(r.maps).toHaveLength(3)
    expect(r.label).toBe(7)
    for (const g of r.gradcheck) expect(g.maxRelError, g.name).toBeLessThanOrEqual(1e-7)
  }, 120_000)
})

describe('examples/08-finetune', () => {
  it('trains a base on MNIST, fine-tunes it on a few Fashion-MNIST images against scratch, and tables mean ± std over seeds', () => {
    const r = finetuneDemo({ baseExamples: 1000, baseEpochs: 1, sizes: [50], seeds: [1, 2], steps: 20, testSize: 300 })
    expect([r.from, r.to]).toEqual(['mnist', 'fashion'])
    expect(r.baseTestAccuracy).toBeGreaterThan(0.5)
    expect(r.transfer).toEqual(['copied: conv0.W [8,1,5,5], conv0.b [8], conv1.W [16,8,5,5], conv1.b [16]', 'kept fresh: dense0.W [256,10] (asked), dense0.b [10] (asked)'])
    // the frozen run's convolutions are the base's bit for bit; its head moved
    expect(r.frozenCheck).toEqual({ convUnchanged: true, headChanged: true })
    expect(r.rows.map((row) => [row.examples, row.method])).toEqual(methods.map((m) => [50, m]))
    for (const row of r.rows) {
      expect(row.accuracies).toHaveLength(2)
      expect(row.mean).toBeCloseTo((row.accuracies[0]! + row.accuracies[1]!) / 2, 12)
      expect(row.std).toBeCloseTo(Math.abs(row.accuracies[0]! - row.accuracies[1]!) / Math.SQRT2, 12)
      expect(row.mean).toBeGreaterThan(0.1) // better than chance on ten classes
    }
    expect(r.table.split('\n')).toHaveLength(2 + 3)
    expect(r.table).toContain('| 50 | frozen |')
  }, 300_000)

  it('runs the other way with from: fashion — the base on Fashion-MNIST, the few images MNIST digits — through the same code', () => {
    const r = finetuneDemo({ from: 'fashion', baseExamples: 1000, baseEpochs: 1, sizes: [50], seeds: [1], steps: 20, testSize: 300 })
    expect([r.from, r.to]).toEqual(['fashion', 'mnist'])
    expect(r.baseTestAccuracy).toBeGreaterThan(0.5)
    expect(r.transfer[0]).toBe('copied: conv0.W [8,1,5,5], conv0.b [8], conv1.W [16,8,5,5], conv1.b [16]')
    expect(r.frozenCheck).toEqual({ convUnchanged: true, headChanged: true })
    expect(r.rows.map((row) => [row.examples, row.method, row.accuracies.length])).toEqual(methods.map((m) => [50, m, 1]))
    for (const row of r.rows) expect(row.mean).toBeGreaterThan(0.1)
  }, 300_000)
})
