/**
 * A convolutional network on MNIST (CS231n lectures 5 and 6): the small convnet of bench:conv
 *   28×28×1 → conv 5×5×8 → ReLU → max pool 2 → conv 5×5×16 → ReLU → max pool 2 → dense 10
 * trained for one epoch on the first training digits of full MNIST, then
 *   - report/07-filters.png: the eight first-layer 5×5 filters;
 *   - report/07-maps.png: one test digit and its activation maps after each conv layer
 *     (8 maps of 24×24, then 16 maps of 8×8), each map scaled to its own range;
 *   - gradcheck of a tiny convnet (conv with padding, ReLU, max pool, conv, average pool, dense):
 *     every parameter's symbolic gradient within 1e-7 of central differences.
 *
 *   npx tsx examples/07-convnet.ts
 */
import * as E from 'fp-ts/lib/Either.js'
import * as sg from '../src/index.js'
import { encodePng, loadMnistFull } from '../src/node/index.js'

const { Random: R, Tensor: T, Data: D } = sg
const { avgPool, conv, dense, flatten, maxPool, relu, reshape, sequential, smallConvnet, summary } = sg.nn
const { adam } = sg.optim
const { buildPrograms, evaluateAccuracy, filterTiles, train } = sg.train
type Tensor = sg.Tensor.Tensor
type Model = sg.nn.Model
type Raster = sg.train.Raster
const ops = sg

export interface ConvnetDemo {
  readonly summary: string
  readonly testAccuracy: number
  readonly filters: Raster
  /** The digit, then the maps after conv0 and after conv1, one raster each. */
  readonly maps: readonly Raster[]
  readonly label: number
  /** Largest relative error of gradcheck on the tiny convnet, per parameter. */
  readonly gradcheck: readonly { readonly name: string; readonly maxRelError: number }[]
}

/** The maps of one example in a layer's output [1, F, H, W] as tiles. */
function mapTiles(t: Tensor): Raster {
  const [, f, h, w] = t.shape as [number, number, number, number]
  return filterTiles({ shape: [f, h, w], data: t.data }, { scale: Math.max(2, Math.round(96 / h)) })
}

/** A tiny convnet's gradients against central differences. */
export function tinyGradcheck(): ConvnetDemo['gradcheck'] {
  const m = sequential({ input: [1, 8, 8] }, conv(3, 3, { pad: 1 }), relu, maxPool(2), conv(2, 3), avgPool(2), flatten, dense(2, 3))
  const { params, state } = m.init(R.key(11))
  const x = ops.input('x', [3, 64])
  const y = ops.input('y', [3])
  const loss = ops.mean(ops.neg(ops.gatherLabel(ops.logSoftmax(m.apply(x, 'train').out), y)))
  const b = { ...params, ...state, x: R.normal(R.key(12), [3, 64]), y: T.make([3], [2, 0, 1]) }
  // h = 1e-5: no difference step crosses ReLU's kink or a max-pool tie at this point
  const r = sg.gradcheck(loss, m.params(), b, { h: 1e-5 })
  if (E.isLeft(r)) throw r.left
  return r.right.params.map((p) => ({ name: p.name, maxRelError: p.maxRelError }))
}

export function run(o: { readonly trainSize?: number; readonly epochs?: number } = {}): ConvnetDemo {
  const data = loadMnistFull()
  if (E.isLeft(data)) throw data.left
  const n = Math.min(o.trainSize ?? 20000, D.datasetSize(data.right.train))
  const tr = D.take(data.right.train, Int32Array.from({ length: n }, (_, i) => i))
  const model = smallConvnet([28, 28, 1], 10)
  const config = { optimizer: adam(0.002), epochs: o.epochs ?? 1, batchSize: 64, key: R.key(1), evalTrainSize: 1000 }
  const st = train(model, { train: tr, validation: data.right.validation }, config)
  const programs = buildPrograms(model, 'softmax', { kind: 'none' })
  const testAccuracy = evaluateAccuracy(programs, st.params, st.modelState, data.right.test)

  const test = data.right.test
  const digit: Tensor = { shape: [1, 784], data: test.x.data.slice(0, 784) }
  const applied = model.apply(ops.input('x', [1, 784]), 'test')
  const out = (name: string) => sg.evaluateOrThrow(applied.layers.find((l) => l.name === name)!.out, { ...st.params, ...st.modelState, x: digit })
  const maps = [filterTiles({ shape: [1, 28, 28], data: digit.data }, { scale: 4 }), mapTiles(out('conv0')), mapTiles(out('conv1'))]
  return { summary: summary(model), testAccuracy, filters: filterTiles(st.params['conv0.W']!), maps, label: test.y.data[0]!, gradcheck: tinyGradcheck() }
}

/** Rasters side by side on a white background (top-aligned, 8 pixels apart). */
export function sideBySide(rs: readonly Raster[]): Raster {
  const width = rs.reduce((a, r) => a + r.width + 8, 0)
  const height = Math.max(...rs.map((r) => r.height))
  const data = new Uint8Array(width * height * 4).fill(255)
  let x0 = 0
  for (const r of rs) {
    for (let y = 0; y < r.height; y++) data.set(r.data.subarray(y * r.width * 4, (y + 1) * r.width * 4), (y * width + x0) * 4)
    x0 += r.width + 8
  }
  return { width, height, data }
}

const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)
if (isMain) {
  const r = run()
  console.log(r.summary)
  console.log(`test accuracy after one epoch on 20,000 digits: ${(100 * r.testAccuracy).toFixed(2)}% (official 10,000 test digits)`)
  for (const g of r.gradcheck) console.log(`gradcheck ${g.name.padEnd(8)} max relative error ${g.maxRelError.toExponential(2)}`)
  const { mkdirSync, writeFileSync } = await import('node:fs')
  mkdirSync('report', { recursive: true })
  writeFileSync('report/07-filters.png', encodePng(r.filters))
  writeFileSync('report/07-maps.png', encodePng(sideBySide(r.maps)))
  console.log(`wrote report/07-filters.png and report/07-maps.png (a ${r.label}, its 8 maps after conv0 and 16 after conv1)`)
}
