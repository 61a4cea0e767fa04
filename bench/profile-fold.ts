/**
 * A V8 CPU profile of the training fold of the `npm start` job (the small convnet on full MNIST,
 * Adam, batches of 64, ±1-pixel shifts, float32), set up as the command line sets it up, summed by
 * function: self time of each WebAssembly kernel (by its export name) and JavaScript function.
 *
 *   npx tsx bench/profile-fold.ts [--steps=N] [--threads=T] [--top=K]    (defaults 400, every core, 25)
 *   npx tsx bench/profile-fold.ts --conv …     bench:conv's step for the same net instead (symgrad-f32)
 *
 * The profile covers only `train()`'s calls after 40 warm-up steps. Thread pool workers run in
 * their own isolates, which the inspector of this one does not see: with T > 1 the kernels' shares
 * are the calling thread's part of each split call plus its waiting ("(program)" / "(idle)").
 */
import { Session } from 'node:inspector'
import { availableParallelism } from 'node:os'
import { threadPool } from '../src/runner/threads.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'
import { train } from '../src/train/loop.js'
import { startJob } from './startJob.js'
import { convBatches, LR, timeSteps } from './convData.js'
import { convInit } from './convnet.js'
import { symgradConvF32 } from './peers/conv-symgrad.js'

const arg = (name: string, d: number): number => {
  const v = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  const n = v === undefined ? d : Number(v)
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`profile-fold: --${name} must be a positive integer, got ${v}`)
  return n
}
const steps = arg('steps', 400), threads = arg('threads', availableParallelism()), top = arg('top', 25)
const warm = 40
console.error(`relaxed SIMD: ${enableRelaxedSimd() ? 'on' : 'off'}`)
const pools: ReturnType<typeof threadPool>[] = []
const { tr, model, config, s0, programs } = startJob(threads, (n) => {
  const p = threadPool(n)
  pools.push(p)
  return p
})
const cfg = { ...config, programs }
const conv = process.argv.includes('--conv')
const convData = convBatches().train
const convTrainer = symgradConvF32(convInit(), LR, threads)
const s1 = conv ? (timeSteps(convTrainer, convData, warm, warm), s0) : train(model, { train: tr }, { ...cfg, maxSteps: warm }, s0)

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
const session = new Session()
session.connect()
const post = (method: string, params: object = {}) =>
  new Promise<unknown>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))))
await post('Profiler.enable')
await post('Profiler.setSamplingInterval', { interval: 100 })
await post('Profiler.start')
const t0 = performance.now()
if (conv) timeSteps(convTrainer, convData.slice(warm).concat(convData), steps, 0)
else train(model, { train: tr }, { ...cfg, maxSteps: warm + steps }, s1)
const ms = (performance.now() - t0) / steps
const { profile } = (await post('Profiler.stop')) as { profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] } }
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<string, number>()
let total = 0
profile.samples.forEach((id, i) => {
  const n = byId.get(id)!
  const f = n.callFrame
  const name = `${f.functionName || '(anonymous)'}${f.url !== '' ? ` ${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : ''}`
  const dt = profile.timeDeltas[i] ?? 0
  self.set(name, (self.get(name) ?? 0) + dt)
  total += dt
})
console.log(`${conv ? "bench:conv's step" : "npm start's fold"}, float32, ${threads} thread(s): ${ms.toFixed(3)} ms per step over ${steps} steps (profiler on)`)
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${((us / 1000) / steps).toFixed(3).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`)
for (const p of pools) void p.close()
