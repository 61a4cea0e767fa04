/**
 * Tensors stored as bytes (core/ByteTensor.ts): checked when made, their float64 values made when
 * read, carried whole by spreads and clones; decoders make them, `take` and `holdOut` keep them;
 * compiled functions bind their bytes to the same bits as their float64 values (float32 and
 * float64, every backend); a run on byte-stored images equals, bit for bit, the run on a float64
 * copy of them; values written after decoding are refused where the bytes would stand in for them.
 */
import { describe, expect, it } from 'vitest'
import { ByteTensor, decodedByteTensor, divisorProblem } from '../src/core/ByteTensor.js'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import { tensorProblem } from '../src/core/Tensor.js'
import * as ops from '../src/ops/index.js'
import { compile } from '../src/compile/index.js'
import { jsBackend } from '../src/compile/backend-js.js'
import { jsFloat32Backend } from '../src/compile/backend-wasm.js'
import * as D from '../src/data/Dataset.js'
import type { Dataset } from '../src/data/Dataset.js'
import { encodeIdx, fromIdx } from '../src/data/idx.js'
import { holdOut } from '../src/data/split.js'
import { mlp } from '../src/nn/model.js'
import { adam } from '../src/optim/aliases.js'
import { randomShift } from '../src/train/augment.js'
import { train } from '../src/train/loop.js'

const bits = (a: Float64Array | Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
const sameBits = (a: Tensor, b: Tensor): boolean => JSON.stringify(a.shape) === JSON.stringify(b.shape) && bits(a.data).equals(bits(b.data))
const plainCopy = (t: Tensor): Tensor => ({ shape: [...t.shape], data: Float64Array.from(t.data) })

describe('ByteTensor', () => {
  it('is checked when made and divides each byte by the divisor', () => {
    const t = new ByteTensor([2, 3], Uint8Array.of(0, 1, 2, 127, 254, 255), 255)
    expect(Array.from(t.data)).toEqual([0, 1 / 255, 2 / 255, 127 / 255, 254 / 255, 1])
    expect(Object.is(t.data[0], 0)).toBe(true)
    expect(() => new ByteTensor([2, 2], new Uint8Array(3), 255)).toThrow('byte tensor: 3 bytes, shape [2,2] needs 4')
    expect(() => new ByteTensor([2], new Uint8Array(2), 0)).toThrow('the divisor must be a positive finite number, got 0')
    expect(() => new ByteTensor([2], new Uint8Array(2), NaN)).toThrow('positive finite')
    expect(() => new ByteTensor([2], new Uint8Array(2), 0.1)).toThrow('the divisor must be a float32 number')
    expect(() => new ByteTensor([2], [1, 2] as unknown as Uint8Array, 255)).toThrow('bytes must be a Uint8Array')
    expect(() => new ByteTensor([2, -1], new Uint8Array(0), 255)).toThrow('byte tensor:')
    expect(divisorProblem(Math.fround(0.1))).toBeUndefined()
  })

  it('makes its values when read, not when checked as a binding', () => {
    const bytes = Uint8Array.of(10, 20, 30, 40)
    const t = new ByteTensor([4], bytes, 255)
    expect(tensorProblem(t, true)).toBeUndefined()
    // (the bytes are the tensor's own; written here only to see when the values are made)
    bytes[0] = 11
    expect(t.data[0]).toBe(11 / 255)
    bytes[1] = 21
    expect(t.data[1]).toBe(20 / 255)
  })

  it('is carried whole by a spread and a structured clone (as a plain tensor), and by rows()', () => {
    const t = new ByteTensor([3, 2], Uint8Array.of(1, 2, 3, 4, 5, 6), 7)
    for (const c of [{ ...t }, structuredClone(t)]) {
      expect(c).not.toBeInstanceOf(ByteTensor)
      expect(c.shape).toEqual([3, 2])
      expect(Array.from(c.data)).toEqual([1, 2, 3, 4, 5, 6].map((b) => b / 7))
    }
    const r = t.rows(1, 3)
    expect(r).toBeInstanceOf(ByteTensor)
    expect(r.shape).toEqual([2, 2])
    expect(Array.from(r.data)).toEqual([3, 4, 5, 6].map((b) => b / 7))
  })
})

describe('compiled functions bind the bytes to the bits of their float64 values', () => {
  const x = ops.input('x', ['N', 5])
  const w = ops.input('w', [5, 3])
  const outs = [ops.tanh(ops.matmul(x, w)), ops.sum(ops.mul(x, x))]
  const bytes = Uint8Array.from({ length: 35 }, (_, i) => (i * 37 + 11) & 255)
  const wt: Tensor = { shape: [5, 3], data: R.normal(R.key(3), [5, 3]).data }
  const options = [
    { name: 'float64, JavaScript', o: { backend: jsBackend } },
    { name: 'float32, JavaScript', o: { backend: jsFloat32Backend } },
    { name: 'float64 (default backend)', o: { dtype: 'float64' as const } },
    { name: 'float32 (default backend)', o: { dtype: 'float32' as const } },
  ]
  for (const { name, o } of options)
    for (const divisor of [255, 1, 3, Math.fround(0.1)])
      it(`${name}, divisor ${divisor}`, () => {
        const f = compile(outs, o)
        const bt = new ByteTensor([7, 5], bytes, divisor)
        const viaBytes = f.runOrThrow({ x: bt, w: wt }).map(plainCopy)
        const viaFloats = f.runOrThrow({ x: plainCopy(new ByteTensor([7, 5], bytes, divisor)), w: wt }).map(plainCopy)
        viaBytes.forEach((t, i) => expect(sameBits(t, viaFloats[i]!)).toBe(true))
      })
})

/** `n` images of `image` as bytes (a decoder's), labels 0..2. */
function byteImages(n: number, image: readonly [number, number, number], seed: number): Dataset {
  const d = image[0] * image[1] * image[2]
  const u = R.uniform(R.key(seed), [n, d]).data
  const bytes = Uint8Array.from(u, (v, i) => (i % 5 === 0 ? 0 : Math.floor(v * 256)))
  const y = Float64Array.from({ length: n }, (_, i) => i % 3)
  const ds = D.make({ name: 'bytes', x: decodedByteTensor([n, d], bytes, 255), y: { shape: [n], data: y }, classes: 3, shape: [...image] })
  if (ds._tag === 'Left') throw ds.left
  return ds.right
}

describe('data sets of bytes', () => {
  it('the IDX decoder keeps its own copy of the pixels as bytes; take and holdOut keep them', () => {
    const ds = byteImages(12, [3, 3, 1], 1)
    const file = encodeIdx(ds)
    if (file._tag === 'Left') throw file.left
    const { images, labels } = file.right
    const back = fromIdx(images, labels, { classes: 3 })
    if (back._tag === 'Left') throw back.left
    const x = back.right.x
    expect(x).toBeInstanceOf(ByteTensor)
    expect(sameBits(x, ds.x)).toBe(true)
    images.fill(0)
    expect(sameBits(back.right.x, ds.x)).toBe(true)
    const t = D.take(ds, [4, 0, 11, 4])
    expect(t.x).toBeInstanceOf(ByteTensor)
    expect(sameBits(t.x, D.take({ ...ds, x: plainCopy(ds.x) }, [4, 0, 11, 4]).x)).toBe(true)
    const h = holdOut(ds, ds, 3)
    if (h._tag === 'Left') throw h.left
    expect(h.right.train.x).toBeInstanceOf(ByteTensor)
    expect(h.right.validation.x.shape).toEqual([3, 9])
    expect(sameBits(h.right.validation.x, { shape: [3, 9], data: ds.x.data.slice(81) })).toBe(true)
  })

  it('values written after decoding are refused where the bytes would stand in for them', () => {
    const ds = byteImages(6, [2, 2, 1], 2)
    const written = new ByteTensor(ds.x.shape, (ds.x as ByteTensor).bytes.slice(), 255).decoded()
    written.data.forEach((v, i, a) => (a[i] = v - 0.5))
    const bad = { ...ds, x: written }
    expect(() => D.take(bad, [3])).toThrow(/take: row 3 of the features was written after it was decoded from bytes \(column \d holds .*\); tensors are values/)
    expect(() => randomShift([2, 2, 1]).gathered!(bad.x, [1, 0], R.key(0))).toThrow('randomShift: row 1 of the features was written after it was decoded from bytes')
    expect(() => randomShift([2, 2, 1]).gathered!(ds.x, [0], R.key(0), new Float64Array(4))).toThrow('rows stored as bytes are gathered into bytes')
  })

  for (const dtype of ['float32', 'float64'] as const)
    for (const shifted of [true, false])
      it(`${dtype}, ${shifted ? 'with' : 'without'} shifts: a run on bytes equals the run on their float64 copy, bit for bit`, () => {
        const image = [6, 6, 1] as const
        const ds = byteImages(90, image, 4)
        const copy = { ...ds, x: plainCopy(ds.x) }
        expect(copy.x).not.toBeInstanceOf(ByteTensor)
        const model = mlp([36, 12, 3])
        const base = { optimizer: adam(0.01), epochs: 2, batchSize: 16, key: R.key(11), dtype, ...(shifted ? { augment: randomShift(image) } : {}) }
        const a = train(model, { train: ds, validation: ds }, base)
        const b = train(model, { train: copy, validation: copy }, base)
        expect(a.step).toBe(12)
        for (const k of Object.keys(a.params)) expect(sameBits(a.params[k]!, b.params[k]!)).toBe(true)
        expect(a.history).toEqual(b.history)
      })

  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: a run on bytes with shifts resumes bit for bit (5 steps, then 9 more across an epoch's end, = 14 in one go)`, () => {
      const image = [6, 6, 1] as const
      const ds = byteImages(90, image, 6)
      const model = mlp([36, 12, 3])
      const base = { optimizer: adam(0.01), epochs: 3, batchSize: 16, key: R.key(13), dtype, augment: randomShift(image) }
      const whole = train(model, { train: ds }, { ...base, maxSteps: 14 })
      const first = train(model, { train: ds }, { ...base, maxSteps: 5 })
      const rest = train(model, { train: ds }, { ...base, maxSteps: 14 }, structuredClone(first))
      expect([rest.step, rest.epoch, rest.batch]).toEqual([14, 2, 2])
      for (const k of Object.keys(whole.params)) expect(sameBits(rest.params[k]!, whole.params[k]!)).toBe(true)
      expect(rest.history).toEqual(whole.history)
    })
})
