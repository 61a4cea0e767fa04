/**
 * The number format and threads of a command-line run, resolved once before training and stated
 * in the run's header line:
 *
 *   - dtype: the run's `dtype` when it names one; otherwise float32 when the float32 check holds
 *     for the model at its start (train/float32Check.ts: WebAssembly SIMD here, and one float32
 *     step agreeing with float64 on the first batch), else float64 with the check's reason. The
 *     resolved dtype is written into the run (and so into its checkpoint): a resumed run keeps it.
 *   - threads: the run's `threads`, else every core of the machine (os.availableParallelism()).
 *     Threads serve float32 programs (the WebAssembly backend splits its products, convolutions
 *     and loops over them, the same bits for any count); float64 runs on the JavaScript reference
 *     backend, on one thread, and the header says so.
 */
import { availableParallelism } from 'node:os'
import * as D from '../data/Dataset.js'
import type { Dataset } from '../data/Dataset.js'
import type { CompileOptions } from '../compile/index.js'
import type { ThreadPool } from '../compile/threads.js'
import type { RunConfig } from '../train/config.js'
import { checkFloat32 } from '../train/float32Check.js'
import { dropoutKey, programOptionsOf, type TrainConfig } from '../train/loop.js'
import { buildPrograms, type AnyModel, type Programs } from '../train/programs.js'
import type { TrainState } from '../train/TrainState.js'

export interface RunSetup {
  /** The run with its dtype resolved. */
  readonly run: RunConfig
  readonly programs: Programs
  /** The threads the step runs on (1 for float64 and the interpreter). */
  readonly threads: number
  /** For the header line: `float32 (…), 2 threads`. */
  readonly note: string
  /** The dtype, thread pool and registries the run's programs are compiled with, for the run's other programs (the babysitting checks'). */
  readonly compile: CompileOptions
}

/** The threads a run asks for: its `threads`, else the machine's cores. */
export function runThreads(c: RunConfig): number {
  return c.threads ?? availableParallelism()
}

export function setupRun(c: RunConfig, model: AnyModel, config: TrainConfig, s0: TrainState, tr: Dataset, pool: (threads: number) => ThreadPool): RunSetup {
  const compiled = config.compiled ?? true
  const reg = config.registries !== undefined ? { registries: config.registries } : {}
  const f64: CompileOptions = { dtype: 'float64', ...reg }
  const build = (options: CompileOptions) =>
    buildPrograms(model, c.loss, config.regularization ?? { kind: 'none' }, { ...programOptionsOf({ ...config, dtype: options.dtype ?? 'float64' }), ...options })
  const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`
  if (!compiled) return { run: { ...c, dtype: 'float64' }, programs: build(f64), threads: 1, note: 'float64 (reference interpreter), 1 thread', compile: f64 }
  const asked = runThreads(c)
  const one = asked > 1 ? ` (float64 runs on the JavaScript reference backend, on one thread; --threads ${asked} serves float32)` : ''
  if (c.dtype === 'float64') return { run: c, programs: build(f64), threads: 1, note: `float64, 1 thread${c.threads !== undefined ? one : ''}`, compile: f64 }
  const f32: CompileOptions = { dtype: 'float32', ...reg, ...(asked > 1 ? { threads: pool(asked) } : {}) }
  const p32 = build(f32)
  if (c.dtype === 'float32') return { run: c, programs: p32, threads: asked, note: `float32, ${plural(asked)}`, compile: f32 }
  const n = Math.min(D.size(tr), c.batchSize)
  const first = D.take(tr, Int32Array.from({ length: n }, (_, i) => i))
  const p64 = build(f64)
  const v = checkFloat32({ f32: p32, f64: p64, params: s0.params, modelState: s0.modelState, x: first.x, y: first.y, dropoutKey: dropoutKey(s0.key, s0.step) })
  if (v.ok) return { run: { ...c, dtype: 'float32' }, programs: p32, threads: asked, note: `float32 (checked: ${v.reason}), ${plural(asked)}`, compile: f32 }
  return { run: { ...c, dtype: 'float64' }, programs: p64, threads: 1, note: `float64 (float32 refused: ${v.reason}), 1 thread${c.threads !== undefined ? one : ''}`, compile: f64 }
}
