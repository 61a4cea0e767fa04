/**
 * Every class of bad input to `symgrad train` is answered with one line on stderr and exit status
 * 2, before any training: the exact lines are pinned here. Three cases spawn the CLI as a user runs
 * it (node bin/symgrad.mjs); the rest call its `main` in-process (`runCli`), which is the same code
 * minus the process. Also: --save / --resume continue a run bit for bit, and the IDX, CIFAR-10 and
 * CSV data paths train.
 *
 * NaN/Inf in input data: IDX and CIFAR-10 files hold bytes and cannot carry them; the CSV path
 * (`--data csv:<file>`) can, and is refused at load with the row and column.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { builtinOptimizers, optimizerNames } from '../src/optim/index.js'

/** The optimizer kinds as messages list them (the registry's names, in order). */
const kinds = optimizerNames(builtinOptimizers).map((k) => `'${k}'`).join(' | ')

const d = mkdtempSync(join(tmpdir(), 'symgrad-cli-'))
const run = ['--data', 'spiral', '--no-babysit', '--report', join(d, 'report'), '--batch', '32', '--hidden', '20', '--preprocess', 'none', '--shift', '0', '--optimizer', 'momentum', '--lr', '0.05', '--schedule', 'step']

function spawnCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/symgrad.mjs', ...args])
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    p.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** IDX bytes: `n` 4×4 images and the given labels. */
function idx(n: number, labels: readonly number[]): readonly [Uint8Array, Uint8Array] {
  const im = new Uint8Array(16 + n * 16)
  const v = new DataView(im.buffer)
  ;[0x803, n, 4, 4].forEach((x, i) => v.setUint32(4 * i, x))
  for (let i = 16; i < im.length; i++) im[i] = (i * 37) % 256
  const lb = new Uint8Array(8 + n)
  const w = new DataView(lb.buffer)
  ;[0x801, n].forEach((x, i) => w.setUint32(4 * i, x))
  labels.forEach((l, i) => (lb[8 + i] = l))
  return [im, lb]
}

const f = (name: string) => join(d, name)
const quiet = () => vi.spyOn(console, 'log').mockImplementation(() => {})

beforeAll(async () => {
  const [im, lb] = idx(30, Array.from({ length: 30 }, (_, i) => i % 10))
  writeFileSync(f('im.idx'), im)
  writeFileSync(f('lb.idx'), lb)
  writeFileSync(f('lb12.idx'), idx(30, Array.from({ length: 30 }, (_, i) => (i === 3 ? 12 : i % 10)))[1])
  writeFileSync(f('nan.csv'), '0,0.5,1\n1,0.25,2\n1,NaN,3\n0,1,1\n')
  writeFileSync(f('short.bin'), new Uint8Array(3073 * 2 + 5))
  writeFileSync(f('malformed.json'), '{"learningRate": 0.1,\n')
  writeFileSync(f('types.json'), '{"epochs": "ten", "hidden": 20}')
  writeFileSync(f('unknown.json'), '{"optimzer": "adam"}')
  writeFileSync(f('lr.json'), '{"optimizer": "adam", "learningRate": -0.1}')
  const q = quiet()
  const r = await runCli(['train', ...run, '--epochs', '2', '--save', f('k2.json')])
  q.mockRestore()
  expect(r).toEqual({ code: 0, stderr: '' })
  const ck = JSON.parse(readFileSync(f('k2.json'), 'utf8')) as Record<string, unknown>
  writeFileSync(f('v2.json'), JSON.stringify({ ...ck, version: 2 }))
  const { state: _, ...noState } = ck
  writeFileSync(f('nostate.json'), JSON.stringify(noState))
}, 30_000)

afterAll(() => rmSync(d, { recursive: true, force: true }))

describe('symgrad train: bad input is one line on stderr and exit status 2', () => {
  it('spawned: malformed JSON, labels out of range, an unwritable --save path', async () => {
    const cases: [string[], string][] = [
      [['train', '--config', f('malformed.json')], `symgrad: ${f('malformed.json')}: malformed JSON at line 2, column 1: expected a field name in double quotes, got the end of the text`],
      [['train', '--data', `idx:${f('im.idx')},${f('lb12.idx')}`], `symgrad: ${f('lb12.idx')}: label 3 must be in 0..9, found 12`],
      [['train', '--data', 'xor', '--save', '/nonexistent-dir/x.json'], 'symgrad: cannot write /nonexistent-dir/x.json: no such file or folder (ENOENT)'],
    ]
    const rs = await Promise.all(cases.map(([args]) => spawnCli(args)))
    rs.forEach((r, i) => expect({ args: cases[i]![0], ...r }).toEqual({ args: cases[i]![0], code: 2, stdout: '', stderr: `${cases[i]![1]}\n` }))
  }, 30_000)

  const cases: [string, () => string[], () => string][] = [
    // config files and flags
    ['wrong types', () => ['--config', f('types.json')], () => `${f('types.json')}: config.hidden: expected a list of positive integers, got 20 (and 1 more error)`],
    ['unknown field', () => ['--config', f('unknown.json')], () => `${f('unknown.json')}: unknown field config.optimzer (did you mean optimizer?)`],
    ['negative lr in a config', () => ['--config', f('lr.json')], () => `${f('lr.json')}: config.learningRate: expected a positive number, got -0.1`],
    ['zero lr', () => ['--lr', '0'], () => '--lr: expected a positive number, got 0'],
    ['keep 0', () => ['--keep', '0'], () => '--keep: expected a keep probability in (0, 1], got 0'],
    ['keep > 1', () => ['--keep', '1.5'], () => '--keep: expected a keep probability in (0, 1], got 1.5'],
    ['negative regularization', () => ['--l2', '-1e-4'], () => '--l2: expected a non-negative number, got -0.0001'],
    ['a zero width', () => ['--hidden', '20,0'], () => '--hidden[1]: expected a positive integer, got 0'],
    ['a misspelled optimizer', () => ['--optimizer', 'adma'], () => `--optimizer: optimizer 'adma' is not a built-in nor in symgrad train's --with records (did you mean 'adam'?); start symgrad train with --with <the records module that defines it>`],
    ['--save-every-epoch alone', () => ['--save-every-epoch'], () => 'train: --save-every-epoch needs --save <checkpoint.json>'],
    // files
    ['a missing config file', () => ['--config', f('none.json')], () => `cannot read ${f('none.json')}: no such file or folder (ENOENT)`],
    ['an unreadable config (a folder)', () => ['--config', d], () => `cannot read ${d}: is a folder (EISDIR)`],
    ['a missing data file', () => ['--data', `idx:${f('im.idx')},${f('none.idx')}`], () => `cannot read ${f('none.idx')}: no such file or folder (ENOENT)`],
    ['a missing checkpoint', () => ['--resume', f('none.json')], () => `cannot read ${f('none.json')}: no such file or folder (ENOENT)`],
    ['--save under a regular file', () => ['--data', 'xor', '--save', join(f('k2.json'), 'x.json')], () => `cannot write ${join(f('k2.json'), 'x.json')}: a part of the path is not a folder (ENOTDIR)`],
    ['--save to a folder', () => ['--data', 'xor', '--save', d], () => `cannot write ${d}: is a folder (EISDIR)`],
    // data
    ['one IDX file', () => ['--data', `idx:${f('im.idx')}`], () => `--data: expected idx:<images>,<labels> (two files), got "idx:${f('im.idx')}"`.replace(/"idx:.*"/, (m) => (m.length > 42 ? `"${m.slice(1, 38)}..."` : m))],
    ['NaN in CSV data', () => ['--data', `csv:${f('nan.csv')}`], () => `dataset '${f('nan.csv')}': x has a non-finite value NaN at row 2, column 0`],
    ['a truncated CIFAR-10 batch', () => ['--data', `cifar:${f('short.bin')}`], () => `${f('short.bin')}: size 6151 is not a multiple of the 3073-byte CIFAR-10 record (2 whole records and 5 extra bytes: truncated or not a CIFAR-10 batch)`],
    // checkpoints
    ['data that does not fit the checkpoint', () => ['--resume', f('k2.json'), '--epochs', '3', '--data', `idx:${f('im.idx')},${f('lb.idx')}`], () => `${f('k2.json')}: data '${f('im.idx')}/train': rows have 16 features, but the model takes 2 (spec.in)`],
    ['a checkpoint of another model', () => ['--resume', f('k2.json'), '--epochs', '3', '--hidden', '30'], () => `${f('k2.json')}: checkpoint: a checkpoint of another model (expected vs checkpoint: spec.layers[0].out: 30 → 20, and 3 more differences)`],
    ['another optimizer', () => ['--resume', f('k2.json'), '--epochs', '3', '--optimizer', 'adam'], () => `${f('k2.json')}: checkpoint.state.optState: expected a list of 2, got an object (the optimizer state does not fit the configured optimizer)`],
    ['an unknown format version', () => ['--resume', f('v2.json'), '--epochs', '3'], () => `${f('v2.json')}: checkpoint.version: unknown checkpoint format version 2 (this symgrad reads version 1)`],
    ['a missing field', () => ['--resume', f('nostate.json'), '--epochs', '3'], () => `${f('nostate.json')}: checkpoint.state: missing, expected a training state`],
    ['nothing left to train', () => ['--resume', f('k2.json')], () => `${f('k2.json')}: the saved run has trained 2 epochs already; pass --epochs N with N > 2 to continue it`],
  ]
  it.each(cases)('%s', async (_, args, message) => {
    const q = quiet()
    const r = await runCli(['train', ...args()])
    q.mockRestore()
    expect(r).toEqual({ code: 2, stderr: `symgrad: ${message()}\n` })
  })
})

describe('symgrad train --save / --resume', () => {
  it('2 epochs, saved, resumed for a 3rd equal 3 epochs in one run (saved after every epoch), bit for bit', async () => {
    const q = quiet()
    const a = await runCli(['train', '--resume', f('k2.json'), '--epochs', '3', '--save', f('k3.json'), '--report', f('report')])
    const b = await runCli(['train', ...run, '--epochs', '3', '--save', f('f3.json'), '--save-every-epoch'])
    q.mockRestore()
    expect([a.code, b.code]).toEqual([0, 0])
    const [ka, kb] = [f('k3.json'), f('f3.json')].map((p) => JSON.parse(readFileSync(p, 'utf8')) as { state: { step: number; params: unknown; optState: unknown; history: unknown } })
    expect(ka!.state.step).toBe(42)
    expect(ka!.state).toEqual(kb!.state)
  }, 30_000)

  it('--resume with flags that change the run: one note line naming each changed field, and the run continues', async () => {
    const q = quiet()
    const a = await runCli(['train', '--resume', f('k2.json'), '--epochs', '3', '--lr', '0.1', '--save', f('lr3.json'), '--report', f('report')])
    const b = await runCli(['train', '--resume', f('k2.json'), '--epochs', '3', '--lr', '0.1', '--l2', '0.001', '--schedule', 'constant', '--report', f('report')])
    const c = await runCli(['train', '--resume', f('k2.json'), '--epochs', '3', '--lr', '0.05', '--batch', '32', '--report', f('report')])
    q.mockRestore()
    const note = (changed: string) => `symgrad: note: --resume with changed ${changed}: the run is no longer the uninterrupted one\n`
    expect(a).toEqual({ code: 0, stderr: note('learningRate (0.05 → 0.1)') })
    expect(b).toEqual({ code: 0, stderr: note('learningRate (0.05 → 0.1), schedule (step → constant), l2 (0.0001 → 0.001)') })
    // flags equal to the saved values change nothing: no note
    expect(c).toEqual({ code: 0, stderr: '' })
    const saved = JSON.parse(readFileSync(f('lr3.json'), 'utf8')) as { run: { learningRate: number }; state: { epoch: number } }
    expect([saved.run.learningRate, saved.state.epoch]).toEqual([0.1, 3])
  }, 30_000)

  it('trains on IDX, CIFAR-10 and CSV files', async () => {
    const cifar = new Uint8Array(3073 * 20)
    for (let r = 0; r < 20; r++) {
      cifar[r * 3073] = r % 10
      for (let i = 1; i < 3073; i++) cifar[r * 3073 + i] = (r * 31 + i * 7) % 256
    }
    writeFileSync(f('batch.bin'), cifar)
    writeFileSync(f('ok.csv'), Array.from({ length: 20 }, (_, i) => `${i % 2},${i % 2 === 0 ? -1 : 1},${(i * 0.37) % 1}`).join('\n'))
    const lines: string[] = []
    const q = vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l))
    const common = ['--epochs', '1', '--batch', '8', '--hidden', '5', '--no-babysit', '--report', join(d, 'report')]
    const rs = [
      await runCli(['train', '--data', `idx:${f('im.idx')},${f('lb.idx')}`, ...common]),
      await runCli(['train', '--data', `cifar:${f('batch.bin')}`, ...common]),
      await runCli(['train', '--data', `csv:${f('ok.csv')}`, ...common]),
    ]
    q.mockRestore()
    expect(rs.map((r) => r.code)).toEqual([0, 0, 0])
    const heads = lines.filter((l) => l.startsWith('symgrad: '))
    expect(heads[0]).toContain('(24 train / 3 validation / 3 test), mlp [16, 5, 10]')
    expect(heads[1]).toContain('(16 train / 2 validation / 2 test), mlp [3072, 5, 10]')
    expect(heads[2]).toContain('(16 train / 2 validation / 2 test), mlp [2, 5, 2]')
  }, 30_000)
})
