/**
 * The PyTorch peer: runs bench/peers/torch_step.py (same data, same initial weights, SGD) with the
 * first Python that can `import torch`: $SYMGRAD_PYTHON when set, else `python3` on the PATH, else
 * Debian's /usr/bin/python3 (where `apt-get install python3-torch` puts it, when a version manager's
 * python3 comes first on the PATH); otherwise says why it was skipped. Timing happens in Python
 * (perf_counter around zero_grad + forward + backward + step), so no process boundary is timed.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { LR, type Config, type Data, type Init } from '../common.js'

const candidates = (): string[] => {
  const own = process.env['SYMGRAD_PYTHON']
  return own !== undefined && own !== '' ? [own] : ['python3', '/usr/bin/python3']
}

let found: string | null | undefined

/** The Python that has torch, or null. */
function torchPython(): string | null {
  if (found === undefined)
    found = candidates().find((py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) ?? null
  return found
}

/** Why torch cannot run here, or undefined when it can. */
export function torchMissing(): string | undefined {
  return torchPython() === null ? `no torch module in ${candidates().join(' or ')} (set SYMGRAD_PYTHON to a Python that has it)` : undefined
}

export interface TorchResult {
  readonly ms_median: number
  readonly test_acc: number
  readonly steps_timed: number
}

const f32 = (xs: ArrayLike<number>): Buffer => Buffer.from(Float32Array.from(xs).buffer)

export function torchRun(cfg: Config, init: Init, data: Data, steps: number, warm: number, threads: number): TorchResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'symgrad-torch-'))
  try {
    writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({ sizes: cfg.sizes, batch: cfg.batch, lr: LR, steps, warm, epoch: data.train.length }))
    init.W.forEach((w, l) => writeFileSync(path.join(dir, `W${l}.bin`), f32(w)))
    init.b.forEach((b, l) => writeFileSync(path.join(dir, `b${l}.bin`), f32(b)))
    writeFileSync(path.join(dir, 'x.bin'), Buffer.concat(data.train.map((b) => Buffer.from(b.x32.buffer, b.x32.byteOffset, b.x32.byteLength))))
    writeFileSync(path.join(dir, 'y.bin'), Buffer.concat(data.train.map((b) => f32(b.y))))
    writeFileSync(path.join(dir, 'xt.bin'), Buffer.from(data.test.x32.buffer, data.test.x32.byteOffset, data.test.x32.byteLength))
    writeFileSync(path.join(dir, 'yt.bin'), f32(data.test.y))
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_step.py')
    const r = spawnSync(torchPython() ?? 'python3', [script, dir, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 20 })
    if (r.status !== 0) throw new Error(`torch peer failed: ${(r.stderr || '').trim().split('\n').pop()}`)
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
