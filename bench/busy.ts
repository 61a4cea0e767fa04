/**
 * The `npm start` job's training with another process spinning on one core: 2 threads (the pool
 * choosing per kernel call between splitting and running alone, compile/splitChoice.ts) against
 * 1 thread, in separate processes taken in turn, each counting its pool's split and alone calls.
 *
 *   npx tsx bench/busy.ts [--runs=N] [--steps=S] [--idle]     (defaults 3, 1719 = two epochs; --idle: no spinner)
 *
 * Prints, per run, the training's wall and CPU seconds (every thread's) and, for 2 threads, how
 * many kernel calls ran split and alone, their total milliseconds, and how often the pool backed
 * off. The spinner is a child process (`node -e 'for(;;){}'`), stopped at the end.
 */
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { threadPool } from '../src/runner/threads.js'
import { enableRelaxedSimd } from '../src/runner/relaxedSimd.js'
import { train } from '../src/train/loop.js'
import { startJob } from './startJob.js'
import { backoffChooser } from '../src/compile/splitChoice.js'

const arg = (name: string, d: number): number => {
  const v = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  const n = v === undefined ? d : Number(v)
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bench/busy: --${name} must be a positive integer, got ${v}`)
  return n
}
const steps = arg('steps', 1719)
const cpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** One training run on `threads` threads in this process: its line. */
function runOnce(threads: number): string {
  enableRelaxedSimd()
  const inner = backoffChooser({ cpuMs })
  const st = { split: 0, alone: 0, splitMs: 0, aloneMs: 0, backoffs: 0 }
  let lastAlone = 0
  const chooser = {
    split: () => inner.split(),
    record: (s: boolean, ms: number, guess?: number) => {
      if (s) (st.split++, (st.splitMs += ms))
      else (st.alone++, (st.aloneMs += ms))
      inner.record(s, ms, guess)
      if (inner.aloneFor() > lastAlone) st.backoffs++
      lastAlone = inner.aloneFor()
    },
  }
  const { tr, model, config, s0, programs } = startJob(threads, (n) => threadPool(n, { chooser }))
  const t0 = performance.now()
  const c0 = cpuMs()
  train(model, { train: tr }, { ...config, programs, maxSteps: steps }, s0)
  const wall = (performance.now() - t0) / 1000
  const cpu = (cpuMs() - c0) / 1000
  const calls = threads > 1 ? `; calls split ${st.split} (${st.splitMs.toFixed(0)} ms), alone ${st.alone} (${st.aloneMs.toFixed(0)} ms), backed off ${st.backoffs}×` : ''
  return `${threads} thread${threads > 1 ? 's' : ' '}: training ${wall.toFixed(2)} s, CPU ${cpu.toFixed(2)} s${calls}`
}

const child = process.argv.find((a) => a.startsWith('--child='))
if (child !== undefined) {
  console.log(runOnce(Number(child.slice(8))))
  process.exit(0)
}
const runs = arg('runs', 3)
const idle = process.argv.includes('--idle')
const spinner = idle ? undefined : spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' })
try {
  console.log(`bench/busy: ${steps} steps of npm start's job, float32, ${idle ? 'idle machine' : 'another process spinning on one core'}`)
  const self = fileURLToPath(import.meta.url)
  for (let r = 0; r < runs; r++)
    for (const threads of [2, 1]) {
      const out = spawnSync(process.execPath, [...process.execArgv, self, `--child=${threads}`, `--steps=${steps}`], { encoding: 'utf8' })
      if (out.status !== 0) throw new Error(`bench/busy: the ${threads}-thread run failed: ${out.stderr}`)
      console.log(out.stdout.trim())
    }
} finally {
  spinner?.kill()
}
