/**
 * Trains the same MLP on MNIST with every peer, back to back in one process, and reports the
 * median milliseconds per training step, samples/s and test accuracy after one epoch.
 *
 *   npm run bench -- [--quick] [--peers=a,b] [--configs=small,big] [--inputs=raw,centered] [--runs=3] [--steps=N] [--out=file.json]
 *
 * Steps: the first 5 are warm-up (trained on, not timed). Fast peers run max(epoch, 210) steps;
 * on the big config tfjs-cpu and convnetjs run one epoch (62 steps, 57 timed) and the interpreted
 * symgrad is capped at 12 steps (its accuracy is then after those steps, flagged in `note`).
 * With --runs=R the whole table is measured R times and ms_median is the median of the medians.
 * Writes bench/results/mlp.json (mlp-quick.json with --quick, or --out=name in bench/results/).
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { configs, initParams, loadMnist, median, peerNames, peerThreads, type Config, type Init, type PeerName, type Trainer } from './common.js'
import { compiled, compiledF32, interpreted } from './peers/symgrad.js'
import { tfjs } from './peers/tfjs.js'
import { naive } from './peers/naive.js'
import { convnetjs } from './peers/convnetjs.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'
import { torchMissing, torchRun } from './peers/torch.js'

type TrainerPeer = Exclude<PeerName, 'torch' | 'torch-2t'>
const makers: Record<TrainerPeer, (c: Config, i: Init) => Promise<Trainer>> = {
  'symgrad-compiled': compiled,
  'symgrad-f32': (c, i) => compiledF32(c, i, 1),
  'symgrad-f32-2t': (c, i) => compiledF32(c, i, 2),
  'symgrad-interpreted': interpreted,
  'tfjs-cpu': (c, i) => tfjs('cpu', c, i),
  'tfjs-wasm': (c, i) => tfjs('wasm', c, i),
  convnetjs,
  'naive-js': naive,
}

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=')
  return [k!, v ?? 'true']
}))
const quick = args['quick'] === 'true'
const list = <T extends string>(key: string, all: readonly T[]): T[] => (args[key] ? (args[key]!.split(',') as T[]) : [...all])
const peers = list('peers', peerNames)
const cfgs = list('configs', ['small', 'big'] as const)
const inputs = list('inputs', ['raw', 'centered'] as const)
const runs = Number(args['runs'] ?? 1)
const WARM = 5

function plannedSteps(peer: PeerName, cfg: Config, epoch: number): { steps: number; note?: string } {
  if (args['steps']) return { steps: Number(args['steps']) }
  if (quick) return { steps: cfg.name === 'small' ? 40 : 15 }
  if (cfg.name === 'big' && peer === 'symgrad-interpreted') return { steps: 12, note: 'capped at 12 steps (slow); accuracy after 12 steps' }
  if (cfg.name === 'big' && (peer === 'tfjs-cpu' || peer === 'convnetjs')) return { steps: epoch, note: `one epoch (${epoch} steps) to bound the run` }
  return { steps: Math.max(epoch, 210) }
}

interface Row {
  peer: PeerName
  config: 'small' | 'big'
  input: 'raw' | 'centered'
  threads: number
  ms_median: number
  samples_per_s: number
  test_acc: number
  steps_timed: number
  run_medians?: number[]
  note?: string
}

// as the symgrad command line runs: relaxed SIMD on where Node has it behind a flag (SYMGRAD_RELAXED_SIMD=0: off)
console.error(`relaxed SIMD (fused multiply-add in symgrad's float32 kernels): ${enableRelaxedSimd() ? 'on' : 'off'}`)
const noTorch = peers.some((p) => p.startsWith('torch')) ? torchMissing() : undefined
if (noTorch !== undefined) console.error(`torch peers skipped: ${noTorch}`)

async function measure(peer: PeerName, cfg: Config, input: 'raw' | 'centered', data: ReturnType<typeof loadMnist>): Promise<Row | undefined> {
  const epoch = data.train.length
  const { steps, note } = plannedSteps(peer, cfg, epoch)
  const threads = peerThreads[peer] ?? 1
  if (peer === 'torch' || peer === 'torch-2t') {
    if (noTorch !== undefined) return undefined
    const r = torchRun(cfg, initParams(cfg), data, steps, WARM, threads)
    return {
      peer, config: cfg.name, input, threads, ms_median: Number(r.ms_median.toFixed(3)), samples_per_s: Math.round((cfg.batch * 1000) / r.ms_median),
      test_acc: Number(r.test_acc.toFixed(4)), steps_timed: r.steps_timed, ...(note ? { note } : quick ? { note: 'quick run' } : {}),
    }
  }
  const t = await makers[peer](cfg, initParams(cfg))
  const times: number[] = []
  let acc = NaN
  for (let s = 0; s < steps; s++) {
    const b = data.train[s % epoch]!
    const t0 = performance.now()
    t.step(b)
    const dt = performance.now() - t0
    if (s >= WARM) times.push(dt)
    if (s + 1 === epoch) acc = t.accuracy(data.test)
  }
  if (Number.isNaN(acc)) acc = t.accuracy(data.test)
  const ms = median(times)
  return {
    peer, config: cfg.name, input, threads,
    ms_median: Number(ms.toFixed(3)),
    samples_per_s: Math.round((cfg.batch * 1000) / ms),
    test_acc: Number(acc.toFixed(4)),
    steps_timed: times.length,
    ...(note ? { note } : quick ? { note: 'quick run' } : {}),
  }
}

function table(rows: readonly Row[]): string {
  const head = ['peer', 'config', 'input', 'threads', 'ms/step', 'samples/s', 'test acc', 'steps', 'vs compiled']
  const lines = rows.map((r) => {
    const c = rows.find((x) => x.peer === 'symgrad-compiled' && x.config === r.config && x.input === r.input)
    return [r.peer, r.config, r.input, String(r.threads), r.ms_median.toFixed(2), String(r.samples_per_s), (100 * r.test_acc).toFixed(2) + '%', String(r.steps_timed),
      c ? (r.ms_median / c.ms_median).toFixed(1) + '×' : '-']
  })
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (l: string[]) => l.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')
  return [fmt(head), w.map((n) => '─'.repeat(n)).join('  '), ...lines.map(fmt)].join('\n')
}

const all: Row[][] = []
for (let run = 0; run < runs; run++) {
  const rows: Row[] = []
  for (const c of cfgs) {
    const cfg = configs[c]
    for (const input of inputs) {
      const data = loadMnist(cfg.batch, input === 'centered')
      for (const p of peers) {
        const r = await measure(p, cfg, input, data)
        if (r === undefined) continue
        rows.push(r)
        console.error(`run ${run + 1}/${runs} ${p} ${c} ${input}: ${r.ms_median} ms/step, acc ${r.test_acc}${r.note ? ` (${r.note})` : ''}`)
      }
    }
  }
  all.push(rows)
}
const final: Row[] = all[0]!.map((r, i) => {
  if (runs === 1) return r
  const meds = all.map((rs) => rs[i]!.ms_median)
  const ms = median(meds)
  return { ...r, ms_median: ms, samples_per_s: Math.round((configs[r.config].batch * 1000) / ms), run_medians: meds }
})
console.log(`MLP training on MNIST, median ms per step${runs > 1 ? ` (median of ${runs} run medians)` : ''}; node ${process.version}\n`)
console.log(table(final))
if (noTorch !== undefined) console.log(`\ntorch: skipped (${noTorch})`)
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results')
mkdirSync(dir, { recursive: true })
writeFileSync(path.resolve(dir, args['out'] ?? (quick ? 'mlp-quick.json' : 'mlp.json')), JSON.stringify(final, null, 2) + '\n')
