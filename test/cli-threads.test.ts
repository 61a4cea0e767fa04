/**
 * Threads and the default dtype where users train: `--threads N` (and `threads` in a run config)
 * gives the same bits for 1 and 2 threads through the command line, MLP and convnet; the header
 * line states the dtype and the threads; with no dtype named, the run takes float32 when the
 * float32 check holds and writes it into its checkpoint, and falls back to float64 with the
 * reason when it does not; a bad thread count is one line, exit 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { loadCheckpoint } from '../src/records/files.js'
import * as E from 'fp-ts/lib/Either.js'
import { checkFloat32 } from '../src/train/float32Check.js'
import { buildPrograms } from '../src/train/programs.js'
import { mlp } from '../src/nn/model.js'
import * as R from '../src/core/Random.js'
import * as T from '../src/core/Tensor.js'
import { withOutput } from './support/quietCli.js'

const d = mkdtempSync(join(tmpdir(), 'symgrad-threads-'))
afterAll(() => rmSync(d, { recursive: true, force: true }))
const f = (name: string) => join(d, name)

async function train(argv: string[]): Promise<{ code: number; stderr: string; out: string[] }> {
  const out: string[] = []
  const q = vi.spyOn(console, 'log').mockImplementation((l: string) => void out.push(String(l)))
  try {
    return { ...(await runCli(['train', '--no-babysit', '--report', f('report'), ...argv])), out }
  } finally {
    q.mockRestore()
  }
}

function saved(path: string) {
  const r = loadCheckpoint(path)
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

function sameParams(a: string, b: string): void {
  const [x, y] = [saved(a).state.params, saved(b).state.params]
  expect(Object.keys(x)).toEqual(Object.keys(y))
  for (const k of Object.keys(x)) expect(Buffer.compare(Buffer.from(x[k]!.data.buffer), Buffer.from(y[k]!.data.buffer)), k).toBe(0)
}

describe('symgrad train --threads', () => {
  it('an MLP: 1 and 2 threads give the same bits; the header says float32 (checked) and the threads', async () => {
    // products of 128·784·1000 multiply-adds: past the gemm's threshold, so every step splits them
    writeFileSync(f('mlp-steps.json'), JSON.stringify({ maxSteps: 5 }))
    const common = ['--data', 'mnist-sample', '--epochs', '1', '--hidden', '1000', '--config', f('mlp-steps.json')]
    const one = await train([...common, '--threads', '1', '--save', f('mlp1.json')])
    const two = await train([...common, '--threads', '2', '--save', f('mlp2.json')])
    expect([one.code, one.stderr, two.code, two.stderr]).toEqual([0, '', 0, ''])
    expect(one.out[0]).toMatch(/, float32 \(checked: one step on 128 rows within [0-9.e-]+ of float64 \(at most 0\.0001; largest: .*\)\), 1 thread$/)
    expect(two.out[0]).toMatch(/, float32 \(checked: .*\), 2 threads$/)
    expect(saved(f('mlp1.json')).run!.dtype).toBe('float32')
    sameParams(f('mlp1.json'), f('mlp2.json'))
  }, 120_000)

  it('a convnet: 1 and 2 threads give the same bits (threads from a run config too)', async () => {
    writeFileSync(f('steps.json'), JSON.stringify({ maxSteps: 6, threads: 2 }))
    const common = ['--model', 'convnet', '--data', 'mnist-sample', '--epochs', '1']
    const one = await train([...common, '--config', f('steps.json'), '--threads', '1', '--save', f('conv1.json')])
    const two = await train([...common, '--config', f('steps.json'), '--save', f('conv2.json')])
    expect([one.code, one.stderr, two.code, two.stderr]).toEqual([0, '', 0, ''])
    expect(two.out[0]).toMatch(/float32 \(checked: .*\), 2 threads$/)
    sameParams(f('conv1.json'), f('conv2.json'))
  }, 180_000)

  it('--dtype float64 says float64 on one thread, and why --threads does not apply', async () => {
    const r = await train(['--data', 'xor', '--epochs', '2', '--dtype', 'float64', '--threads', '2'])
    expect(r.code).toBe(0)
    expect(r.out[0]).toMatch(/, float64, 1 thread \(float64 runs on the JavaScript reference backend, on one thread; --threads 2 serves float32\)$/)
  }, 60_000)

  it('data float32 cannot hold: float64, with the reason in the header', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 2},${(i % 7) * 3e37},${-(i % 5) * 2e37}`)
    writeFileSync(f('huge.csv'), rows.join('\n') + '\n')
    const r = await train(['--data', `csv:${f('huge.csv')}`, '--preprocess', 'none', '--epochs', '1', '--hidden', '4', '--batch', '8', '--lr', '1e-40', '--save', f('huge.json')])
    expect(r.out[0]).toMatch(/, float64 \(float32 refused: the float32 (loss|gradient of '[\w.]+') .*\), 1 thread$/)
    expect(saved(f('huge.json')).run!.dtype).toBe('float64')
  }, 60_000)

  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: resumed mid-epoch (on another thread count) equals the uninterrupted run, bit for bit`, async () => {
      writeFileSync(f('stop.json'), JSON.stringify({ maxSteps: 19 }))
      writeFileSync(f('go.json'), JSON.stringify({ maxSteps: 1000 }))
      const common = ['--data', 'spiral', '--hidden', '64', '--epochs', '3', ...(dtype === 'float64' ? ['--dtype', 'float64'] : [])]
      const straight = await train([...common, '--threads', '2', '--save', f(`straight-${dtype}.json`)])
      const first = await train([...common, '--threads', '1', '--config', f('stop.json'), '--save', f(`part-${dtype}.json`)])
      expect(saved(f(`part-${dtype}.json`)).state.batch).toBeGreaterThan(0) // stopped inside an epoch
      const rest = await train(['--resume', f(`part-${dtype}.json`), '--config', f('go.json'), '--threads', '2', '--save', f(`resumed-${dtype}.json`)])
      expect([straight.code, first.code, rest.code]).toEqual([0, 0, 0])
      expect(saved(f(`resumed-${dtype}.json`)).run!.dtype).toBe(dtype)
      sameParams(f(`straight-${dtype}.json`), f(`resumed-${dtype}.json`))
    }, 120_000)

  it.each([
    [['--threads', '0'], 'symgrad: --threads: expected a whole number of threads in 1 … 64, got 0\n'],
    [['--threads', '65'], 'symgrad: --threads: expected a whole number of threads in 1 … 64, got 65\n'],
    [['--threads', '1.5'], 'symgrad: --threads: expected a whole number of threads in 1 … 64, got 1.5\n'],
  ])('%j is one line, exit 2', async (argv, line) => {
    expect(await runCli(['train', '--data', 'xor', ...argv])).toEqual({ code: 2, stderr: line })
  })

  it('a config file with a bad threads value is one line naming the file', async () => {
    writeFileSync(f('bad.json'), JSON.stringify({ threads: 'many' }))
    const r = await runCli(['train', '--config', f('bad.json')])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`symgrad: ${f('bad.json')}: config.threads: expected a whole number of threads in 1 … 64, got "many"\n`)
  })
})

const cli = withOutput

describe('search and ensemble --threads', () => {
  it('search: the round line states the split of the cores; 1 and 2 threads per trial give the same table; the best config keeps only a thread count the user set', async () => {
    const common = ['search', '--data', 'spiral', '--trials', '2', '--workers', '1', '--hidden', '8', '--dtype', 'float32']
    const one = await cli([...common, '--threads', '1', '--out', f('best1.json')])
    const two = await cli([...common, '--threads', '2', '--out', f('best2.json')])
    const auto = await cli([...common, '--out', f('best-auto.json')])
    expect([one.code, two.code, auto.code]).toEqual([0, 0, 0])
    expect(two.out[0]).toMatch(/^round 1\/1: 2 random trials of 1 epoch\(s\) on spiral, 1 at a time, float32 steps on 2 threads each, space/)
    const table = (r: { out: string[] }) => r.out.flatMap((l) => l.split('\n')).filter((l) => /^\d+\s/.test(l))
    expect(table(one).length).toBe(2)
    expect(table(one)).toEqual(table(two))
    const best = (name: string) => JSON.parse(readFileSync(f(name), 'utf8')) as Record<string, unknown>
    expect(best('best2.json')['threads']).toBe(2)
    expect(Object.hasOwn(best('best-auto.json'), 'threads')).toBe(false)
  }, 120_000)

  it('ensemble: the first line states dtype and threads', async () => {
    const r = await cli(['ensemble', '--data', 'spiral', '--models', '1', '--epochs', '1', '--hidden', '8', '--dtype', 'float32', '--threads', '2'])
    expect(r.code).toBe(0)
    expect(r.out[0]).toMatch(/, float32, 2 threads$/)
  }, 60_000)
})

describe('checkFloat32', () => {
  const model = mlp([3, 5, 2])
  const { params, state } = model.init(R.key(1))
  const x = R.normal(R.key(2), [6, 3])
  const y = T.make([6], [0, 1, 0, 1, 1, 0])
  const progs = (dtype: 'float32' | 'float64') => buildPrograms(model, 'softmax', { kind: 'none' }, { dtype })
  const input = { f32: progs('float32'), f64: progs('float64'), params, modelState: state, x, y, dropoutKey: R.key(3) }
  it('holds for a small MLP, with the error it found', () => {
    const v = checkFloat32(input)
    expect(v.ok).toBe(true)
    expect(v.error).toBeLessThan(1e-5)
  })
  it('an engine without WebAssembly SIMD keeps float64, saying so', () => {
    expect(checkFloat32({ ...input, simd: false })).toEqual({ ok: false, error: NaN, reason: 'this engine has no WebAssembly SIMD (float32 would run on JavaScript kernels, slower than float64)' })
  })
  it('a float32 program that disagrees is refused, naming the gradient', () => {
    const f64 = input.f64
    const off = { ...f64, step: (...a: Parameters<typeof f64.step>) => {
      const r = f64.step(...a)
      return { ...r, grads: { ...r.grads, 'dense0.W': T.map(r.grads['dense0.W']!, (v) => v * 1.01) } }
    } }
    const v = checkFloat32({ ...input, f32: off })
    expect(v.ok).toBe(false)
    expect(v.reason).toMatch(/^the float32 gradient of 'dense0\.W' differs from float64 by 0\.010 \(relative, norm-wise\) > 0\.0001$/)
  })
})
