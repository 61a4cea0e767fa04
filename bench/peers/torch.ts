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
export function torchPython(): string | null {
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
  /** Median process CPU milliseconds per step (all of torch's threads), when the script reports it. */
  readonly cpu_ms_median?: number
  readonly test_acc: number
  readonly steps_timed: number
}

/** Numbers as the float32 little-endian bytes the torch scripts read. */
export const f32 = (xs: ArrayLike<number>): Buffer => Buffer.from(Float32Array.from(xs).buffer)
/** A float32 array's own bytes, without a copy. */
export const bytes32 = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/**
 * Runs one of bench/peers' torch scripts on a temp folder holding spec.json and the given
 * little-endian float32 files; the script prints its result as the last line of JSON.
 */
export function torchScript(script: string, spec: object, files: Readonly<Record<string, Buffer>>, threads: number): TorchResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'symgrad-torch-'))
  try {
    writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec))
    for (const [name, b] of Object.entries(files)) writeFileSync(path.join(dir, name), b)
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), script)
    const r = spawnSync(torchPython() ?? 'python3', [file, dir, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 20 })
    if (r.status !== 0) throw new Error(`torch peer failed: ${(r.stderr || '').trim().split('\n').pop()}`)
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function torchRun(cfg: Config, init: Init, data: Data, steps: number, warm: number, threads: number): TorchResult {
  const files: Record<string, Buffer> = {
    'x.bin': Buffer.concat(data.train.map((b) => bytes32(b.x32))),
    'y.bin': Buffer.concat(data.train.map((b) => f32(b.y))),
    'xt.bin': bytes32(data.test.x32),
    'yt.bin': f32(data.test.y),
  }
  init.W.forEach((w, l) => (files[`W${l}.bin`] = f32(w)))
  init.b.forEach((b, l) => (files[`b${l}.bin`] = f32(b)))
  return torchScript('torch_step.py', { sizes: cfg.sizes, batch: cfg.batch, lr: LR, steps, warm, epoch: data.train.length }, files, threads)
}
