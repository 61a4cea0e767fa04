/**
 * Fine-tuning ("ConvNets don't necessarily need a lot of data"): the small convnet of
 * examples/07 trained on MNIST digits, then reused on Fashion-MNIST with only 100 or 1,000
 * labelled images, against the same net trained from scratch on those images; `--from fashion`
 * the other way round (base on Fashion-MNIST, the few images MNIST digits), every setting the same.
 *
 *   base:       smallConvnet (conv0 5×5×8, conv1 5×5×16, dense0 256→10) on the source set, adam 0.002
 *   scratch:    the same net from a fresh init, on the few target images
 *   frozen:     conv0 and conv1 copied from the base and frozen (nn.transfer, then
 *               multiTransform({ train: adam, frozen: setToZero() })); the head dense0 fresh
 *   all ×0.1:   every layer trained, the copied convolutions at a tenth of the learning rate
 *               (multiTransform({ train: adam, '×0.1': chain(adam, scale(0.1)) }))
 *
 * The head is always fresh: MNIST's class 3 and Fashion's class 3 (a dress) have nothing in common,
 * so the base's last layer is not transferred even though both have ten classes. Every method gets
 * the same optimizer (adam 0.002), batch size and number of steps; seeds draw the examples, the
 * fresh weights and the batch order (the base is trained once). Test accuracy is on a fixed subset
 * of the target set's official test images (the first `testSize`). Pixels are bytes/255, not centred.
 *
 *   npx tsx examples/08-finetune.ts            (--lenet: the same with lenet, 16 and 32 filters;
 *                                               --from fashion: base on Fashion-MNIST, fine-tuned on MNIST)
 */
import * as E from 'fp-ts/lib/Either.js'
import { Data, nn, optim, Random as R, train as T } from '../src/index.js'
import { loadFashionMnist, loadMnistFull } from '../src/node/index.js'

const { lenet, smallConvnet, formatTransfer } = nn
const { adam } = optim
const { buildPrograms, evaluateAccuracy, examplesKey, fineTuneOptimizer, fineTuneStart, headLayer, train } = T
const { subsample } = Data
const D = { size: Data.datasetSize, take: Data.take }
type Dataset = Data.Dataset
type Model = nn.Model
type FineTune = T.FineTune
type GradientTransformation<S> = optim.GradientTransformation<S>
type PlainState = optim.PlainState

/** The two data sets: the base is trained on one (the source), fine-tuned on the other (the target). */
export const dataSets = ['mnist', 'fashion'] as const
export type DataSet = (typeof dataSets)[number]
const dataNames: Record<DataSet, string> = { mnist: 'MNIST', fashion: 'Fashion-MNIST' }

export interface FinetuneOptions {
  /** The source data set of the base (default 'mnist'); the target is the other one. */
  readonly from?: DataSet
  /** The net: smallConvnet (8 and 16 filters, default) or lenet (16 and 32). */
  readonly net?: 'small' | 'lenet'
  /** Source training images for the base (default all 55,000) and its epochs (default 2). */
  readonly baseExamples?: number
  readonly baseEpochs?: number
  /** Labelled target examples per comparison (default [100, 1000]). */
  readonly sizes?: readonly number[]
  /** Seeds (default [1, 2, 3]). */
  readonly seeds?: readonly number[]
  /** Optimizer steps per run, whatever the size (default 320); batches of `batchSize` (default 25). */
  readonly steps?: number
  readonly batchSize?: number
  /** The first this many official test images of the target set (default 10,000). */
  readonly testSize?: number
  readonly log?: (line: string) => void
}

export const methods = ['scratch', 'frozen', 'all ×0.1'] as const
export type Method = (typeof methods)[number]

export interface Row {
  readonly examples: number
  readonly method: Method
  /** Test accuracy per seed, in the order of the seeds. */
  readonly accuracies: readonly number[]
  readonly mean: number
  /** Sample standard deviation over the seeds. */
  readonly std: number
}

export interface FinetuneResult {
  readonly from: DataSet
  readonly to: DataSet
  /** The base's accuracy on the source set's official test images. */
  readonly baseTestAccuracy: number
  /** The transfer report of the first fine-tuning run (the same for every run). */
  readonly transfer: readonly string[]
  readonly rows: readonly Row[]
  readonly table: string
  readonly seconds: number
  /** Parameters of the first frozen run: the base's conv0.W bits, the run's, and whether the head moved. */
  readonly frozenCheck: { readonly convUnchanged: boolean; readonly headChanged: boolean }
}

const lr = 0.002
const stats = (xs: readonly number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const std = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1))
  return { mean, std }
}
const pct = (x: number) => `${(100 * x).toFixed(1)}%`

function fineTuneOf(method: Method): FineTune {
  return method === 'frozen' ? { freeze: ['conv0', 'conv1'] } : method === 'all ×0.1' ? { lrMult: { conv0: 0.1, conv1: 0.1 } } : {}
}

export function run(o: FinetuneOptions = {}): FinetuneResult {
  const t0 = Date.now()
  const log = o.log ?? (() => {})
  const from: DataSet = o.from ?? 'mnist'
  const to: DataSet = from === 'mnist' ? 'fashion' : 'mnist'
  const source = from === 'mnist' ? loadMnistFull() : loadFashionMnist()
  const target = to === 'mnist' ? loadMnistFull() : loadFashionMnist()
  if (E.isLeft(source)) throw source.left
  if (E.isLeft(target)) throw target.left
  const batchSize = o.batchSize ?? 25
  const steps = o.steps ?? 320
  const testSize = Math.min(o.testSize ?? 10000, D.size(target.right.test))
  const test: Dataset = D.take(target.right.test, Int32Array.from({ length: testSize }, (_, i) => i))

  // one model and one compiled program pair for every run: the small convnet has no layer whose
  // train and test forms differ (no batch norm or dropout), so frozenLayerModes would not change it
  const model: Model = o.net === 'lenet' ? lenet([28, 28, 1], 10) : smallConvnet([28, 28, 1], 10)
  const head = headLayer(model)
  const programs = buildPrograms(model, 'softmax', { kind: 'none' })

  const nBase = Math.min(o.baseExamples ?? Infinity, D.size(source.right.train))
  const baseTrain = D.take(source.right.train, Int32Array.from({ length: nBase }, (_, i) => i))
  const base = train(model, { train: baseTrain }, { optimizer: adam(lr), epochs: o.baseEpochs ?? 2, batchSize: 64, key: R.key(100), evalTrainSize: 500, programs })
  const baseTestAccuracy = evaluateAccuracy(programs, base.params, base.modelState, source.right.test)
  log(`base: ${o.net === 'lenet' ? 'lenet' : 'smallConvnet'} on ${nBase} ${dataNames[from]} images, ${o.baseEpochs ?? 2} epoch(s): ${dataNames[from]} test accuracy ${pct(baseTestAccuracy)}`)

  const rows: Row[] = []
  let transferLines: string[] = []
  let frozenCheck = { convUnchanged: false, headChanged: false }
  for (const n of o.sizes ?? [100, 1000]) {
    const epochs = Math.ceil((steps * batchSize) / n)
    const acc: Record<Method, number[]> = { scratch: [], frozen: [], 'all ×0.1': [] }
    for (const seed of o.seeds ?? [1, 2, 3]) {
      const few = subsample(target.right.train, n, examplesKey(seed))
      if (E.isLeft(few)) throw few.left
      for (const method of methods) {
        const ft = fineTuneOf(method)
        const optimizer: GradientTransformation<PlainState> = method === 'scratch' ? adam(lr) : fineTuneOptimizer(ft, () => adam(lr))
        const config = { optimizer, epochs, batchSize, key: R.key(seed), evalTrainSize: 100, maxSteps: steps, programs }
        const start = method === 'scratch' ? undefined : fineTuneStart(model, { model, params: base.params, state: base.modelState }, config, [head])
        if (start !== undefined && transferLines.length === 0) transferLines = formatTransfer(start.report)
        const st = train(model, { train: few.right }, config, start?.state)
        const a = evaluateAccuracy(programs, st.params, st.modelState, test)
        acc[method].push(a)
        if (method === 'frozen' && rows.length === 0 && acc.frozen.length === 1) {
          const same = (k: string) => st.params[k]!.data.every((v, i) => Object.is(v, base.params[k]!.data[i]))
          frozenCheck = { convUnchanged: same('conv0.W') && same('conv0.b') && same('conv1.W') && same('conv1.b'), headChanged: !st.params[`${head}.W`]!.data.every((v, i) => Object.is(v, start!.state.params[`${head}.W`]!.data[i])) }
        }
        log(`${n} examples, seed ${seed}, ${method}: ${st.step} steps (${epochs} epochs of ${Math.ceil(n / batchSize)} batches), ${dataNames[to]} test accuracy ${pct(a)}`)
      }
    }
    for (const method of methods) rows.push({ examples: n, method, accuracies: acc[method], ...stats(acc[method]) })
  }
  const table = [
    '| labelled examples | method | test accuracy per seed | mean ± std |',
    '|---:|---|---|---:|',
    ...rows.map((r) => `| ${r.examples} | ${r.method} | ${r.accuracies.map(pct).join(', ')} | ${pct(r.mean)} ± ${(100 * r.std).toFixed(1)} |`),
  ].join('\n')
  return { from, to, baseTestAccuracy, transfer: transferLines, rows, table, seconds: (Date.now() - t0) / 1000, frozenCheck }
}

const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)
if (isMain) {
  const fromAt = process.argv.indexOf('--from')
  const fromArg = fromAt < 0 ? 'mnist' : process.argv[fromAt + 1] ?? ''
  const from = dataSets.find((d) => d === fromArg)
  if (from === undefined) {
    console.error(`--from takes ${dataSets.join(' or ')}, not ${JSON.stringify(fromArg.slice(0, 24))}`)
    process.exit(2)
  }
  const r = run({ log: (l) => console.log(l), from, ...(process.argv.includes('--lenet') ? { net: 'lenet' as const } : {}) })
  console.log(`transfer: ${r.transfer.join('; ')}`)
  console.log(`frozen run: convolutions bit for bit the base's: ${r.frozenCheck.convUnchanged}; head moved: ${r.frozenCheck.headChanged}`)
  console.log(r.table)
  console.log(`${r.seconds.toFixed(0)} s`)
}
