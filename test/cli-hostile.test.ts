/**
 * Hostile and careless input to the command line and the file helpers, one case per input class:
 * each is answered with one line and exit status 2 (or a Left with one line), before any work,
 * and leaves nothing behind — or, where the input is legitimate (a symbolic link, a 130,000-row
 * CSV), is handled. Everything runs in-process (runCli) on tiny data, in a temporary folder.
 */
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../src/cli/main.js'
import { quietly } from './support/quietCli.js'
import { parseExpr } from '../src/cli/parseExpr.js'
import { checkWritable, lockForWriting, writeFileAtomic } from '../src/io/atomic.js'
import { loadCheckpoint } from '../src/records/files.js'
import { decodeCheckpoint } from '../src/records/checkpoint.js'
import { fromCsv } from '../src/io/csv.js'
import { readBytes } from '../src/io/files.js'
import { parseJson } from '../src/io/json.js'
import { fitPcaWhiten, fitZca } from '../src/data/preprocess.js'

const d = mkdtempSync(join(tmpdir(), 'symgrad-hostile-'))
const f = (name: string) => join(d, name)
afterAll(() => rmSync(d, { recursive: true, force: true }))
const common = ['--data', 'spiral', '--batch', '64', '--hidden', '8', '--preprocess', 'none', '--shift', '0', '--epochs', '1', '--optimizer', 'momentum', '--lr', '0.05', '--schedule', 'step']
const run = [...common, '--no-babysit', '--report', join(d, 'report')]

const msg = (r: E.Either<{ message: string }, unknown>): string => (E.isLeft(r) ? r.left.message : 'Right')

/** IDX bytes: `n` images of rows×cols and n labels. */
function idx(n: number, rows: number, cols: number): readonly [Uint8Array, Uint8Array] {
  const im = new Uint8Array(16 + n * rows * cols)
  const v = new DataView(im.buffer)
  ;[0x803, n, rows, cols].forEach((x, i) => v.setUint32(4 * i, x))
  for (let i = 16; i < im.length; i++) im[i] = (i * 37) % 256
  const lb = new Uint8Array(8 + n)
  const w = new DataView(lb.buffer)
  ;[0x801, n].forEach((x, i) => w.setUint32(4 * i, x))
  for (let i = 0; i < n; i++) lb[8 + i] = i % 10
  return [im, lb]
}

let ckpt: Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  const [im, lb] = idx(40, 4, 4)
  writeFileSync(f('im.idx'), im)
  writeFileSync(f('lb.idx'), lb)
  // a gzip bomb: a valid header promising 10 images of 4×4, then 64 MB of zeros (64 KB compressed)
  const head = idx(10, 4, 4)[0].subarray(0, 16)
  writeFileSync(f('bomb.idx.gz'), gzipSync(Buffer.concat([head, Buffer.alloc(64 << 20)]), { level: 1 }))
  writeFileSync(f('zero-rows.idx'), idx(3, 0, 4)[0])
  writeFileSync(f('zero-images.idx'), idx(0, 4, 4)[0])
  writeFileSync(f('two.csv'), '0,1,2\n1,3,4\n')
  writeFileSync(f('passwd.csv'), 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n')
  writeFileSync(f('bom.json'), '\uFEFF{"learningRate": 0.1, "epochs": 1}')
  writeFileSync(f('space-data.json'), JSON.stringify({ data: { kind: 'choice', values: ['spiral', `csv:${f('none.csv')}`] } }))
  writeFileSync(f('space-huge.json'), JSON.stringify({ hidden: { kind: 'choice', values: [1e12] } }))
  writeFileSync(f('deep.json'), '['.repeat(100_000))
  writeFileSync(f('layers.json'), JSON.stringify({ hidden: Array.from({ length: 4000 }, () => 2) }))
  const r = await quietly(['train', ...run, '--save', f('ck.json')])
  expect(r).toEqual({ code: 0, stderr: '' })
  ckpt = JSON.parse(readFileSync(f('ck.json'), 'utf8'))
}, 60_000)

describe('unbounded allocation: sizes are checked against documented limits before anything is allocated', () => {
  const cases: [string, () => string[], () => string][] = [
    ['--hidden 1e12', () => ['train', ...run, '--hidden', '1e12'], () => '--hidden: the model [2, 1000000000000, 3] has 6000000000003 parameters, over the limit of 10000000 (raise it with SYMGRAD_MAX_PARAMETERS=<n>)'],
    ['gradcheck --hidden 1e7', () => ['gradcheck', '--hidden', '1e7'], () => 'gradcheck: --hidden: the model [5, 10000000, 4] has 100000004 parameters, over the limit of 10000000 (raise it with SYMGRAD_MAX_PARAMETERS=<n>)'],
    ['search --grid 1e6', () => ['search', ...common, '--grid', '1e6', '--out', f('best.json')], () => '--grid: 3000000000000 trials per round, over the limit of 10000 (raise it with SYMGRAD_MAX_TRIALS=<n>)'],
    ['4,000 hidden layers in a config', () => ['train', ...run.filter((a) => a !== '--hidden' && a !== '8'), '--config', f('layers.json')], () => `${f('layers.json')}: config.hidden: 4000 hidden layers, over the limit of 256 (raise it with SYMGRAD_MAX_LAYERS=<n>)`],
    ['20,000 hidden layers as a flag', () => ['train', ...run, '--hidden', Array.from({ length: 20_000 }, () => '2').join(',')], () => '--hidden: 20000 hidden layers, over the limit of 256 (raise it with SYMGRAD_MAX_LAYERS=<n>)'],
    ['an IDX gzip bomb', () => ['train', ...run, '--data', `idx:${f('bomb.idx.gz')},${f('lb.idx')}`], () => `${f('bomb.idx.gz')}: inflates to more than the 176 bytes its header promises (a damaged file or a gzip bomb)`],
  ]
  it.each(cases)('%s', async (_, args, message) => {
    expect(await quietly(args())).toEqual({ code: 2, stderr: `symgrad: ${message()}\n` })
  })

  it('a raised limit is taken from the environment; a bad one is named', async () => {
    process.env['SYMGRAD_MAX_LAYERS'] = '2'
    try {
      expect(await quietly(['train', ...run, '--hidden', '2,2,2'])).toEqual({ code: 2, stderr: 'symgrad: --hidden: 3 hidden layers, over the limit of 2 (raise it with SYMGRAD_MAX_LAYERS=<n>)\n' })
      process.env['SYMGRAD_MAX_LAYERS'] = 'lots'
      expect(await quietly(['train', ...run])).toEqual({ code: 2, stderr: 'symgrad: SYMGRAD_MAX_LAYERS: expected a positive integer, got "lots"\n' })
    } finally {
      delete process.env['SYMGRAD_MAX_LAYERS']
    }
  })

  it('a gzip bomb is refused after inflating a few kilobytes (also as plain .gz data with no header)', () => {
    process.env['SYMGRAD_MAX_FILE_BYTES'] = String(1 << 20)
    try {
      writeFileSync(f('zeros.csv.gz'), gzipSync(Buffer.alloc(8 << 20), { level: 1 }))
      expect(msg(readBytes(f('zeros.csv.gz')))).toBe(`${f('zeros.csv.gz')}: inflates to more than the file size limit of 1048576 bytes (raise it with SYMGRAD_MAX_FILE_BYTES=<n>)`)
      writeFileSync(f('big.bin'), Buffer.alloc((1 << 20) + 1))
      expect(msg(readBytes(f('big.bin')))).toBe(`${f('big.bin')}: 1048577 bytes is over the file size limit of 1048576 (raise it with SYMGRAD_MAX_FILE_BYTES=<n>)`)
    } finally {
      delete process.env['SYMGRAD_MAX_FILE_BYTES']
    }
  })

  it('a search point over the limits is a failed trial with the message, not a crashed worker', async () => {
    const lines: string[] = []
    const q = vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l))
    const r = await runCli(['search', ...common, '--space', f('space-huge.json'), '--trials', '1', '--workers', '1', '--out', f('best-huge.json')])
    q.mockRestore()
    expect(r.code).toBe(1)
    expect(lines.join('\n')).toContain('trial.hidden: the model [2, 1000000000000, 3] has 6000000000003 parameters, over the limit of 10000000')
    expect(existsSync(f('best-huge.json'))).toBe(false)
  }, 60_000)
})

describe('writes through links and devices', () => {
  it('refuses a device, writes through a symbolic link (the link stays), keeps a 600 mode', async () => {
    expect(msg(writeFileAtomic('/dev/null', 'x'))).toBe('cannot write /dev/null: not a regular file (a device, pipe or socket); symgrad replaces regular files only')
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true)
    expect(await quietly(['train', ...run, '--save', '/dev/null'])).toEqual({ code: 2, stderr: 'symgrad: cannot write /dev/null: not a regular file (a device, pipe or socket); symgrad replaces regular files only\n' })
    writeFileSync(f('real.json'), 'old')
    symlinkSync(f('real.json'), f('link.json'))
    expect(E.isRight(writeFileAtomic(f('link.json'), 'new'))).toBe(true)
    expect([lstatSync(f('link.json')).isSymbolicLink(), readFileSync(f('real.json'), 'utf8')]).toEqual([true, 'new'])
    symlinkSync(f('nothing.json'), f('dangling.json'))
    expect(msg(writeFileAtomic(f('dangling.json'), 'x'))).toBe(`cannot write ${f('dangling.json')}: a symbolic link to a missing file`)
    writeFileSync(f('secret.json'), 'old')
    chmodSync(f('secret.json'), 0o600)
    expect(E.isRight(writeFileAtomic(f('secret.json'), 'new'))).toBe(true)
    expect(statSync(f('secret.json')).mode & 0o777).toBe(0o600)
  })
})

describe('prototype keys inside records', () => {
  const edit = (fn: (doc: any) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const doc = JSON.parse(JSON.stringify(ckpt))
    fn(doc)
    return msg(decodeCheckpoint(JSON.parse(JSON.stringify(doc).replace('"PROTO"', '"__proto__"'))))
  }
  it('__proto__ in params, optState and history is refused with its path; inherited names are not fields', () => {
    expect(edit((c) => (c.state.params['PROTO'] = c.state.params['dense0.b']))).toBe("checkpoint.state.params.__proto__: '__proto__' is not allowed as a name")
    expect(edit((c) => (c.state.optState['PROTO'] = { count: 0 }))).toBe("checkpoint.state.optState.__proto__: '__proto__' is not allowed as a name")
    expect(edit((c) => (c.state.history.ratio['PROTO'] = [1]))).toBe("checkpoint.state.history.ratio.__proto__: '__proto__' is not allowed as a name")
    expect(edit((c) => (c.PROTO = {}))).toBe('unknown field checkpoint.__proto__ (known fields: format, version, spec, state, config, run, input)')
    // an optimizer state missing a field that Object.prototype has is missing, not inherited
    expect(edit((c) => (c.state.optState = { ...c.state.optState, constructor: 1 }))).toMatch(/checkpoint\.state\.optState: unexpected field 'constructor' for this optimizer/)
  })
})

describe('crashes become one line (or a Left)', () => {
  it('malformed JSON nested 100,000 deep is located; a deep value is refused by every decoder', async () => {
    expect(msg(parseJson('['.repeat(100_000), 'deep.json'))).toBe('deep.json: malformed JSON at line 1, column 100001: expected a value (object, array, string, number, true, false or null), got the end of the text')
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = { count: deep }
    const doc = JSON.parse(JSON.stringify(ckpt))
    doc.state.optState = deep
    expect(msg(decodeCheckpoint(doc))).toMatch(/^checkpoint\.state\.optState(\.count)+(\.c?o?u?n?t?…)?: nested deeper than 64 levels/)
    expect((await quietly(['train', '--config', f('deep.json')])).code).toBe(2)
  })

  it('a CSV of 130,000 rows loads; a bad field is quoted short and escaped, never the whole line', () => {
    const text = Array.from({ length: 130_000 }, (_, i) => `${i % 3},${i % 7},${i % 5}`).join('\n')
    const ds = fromCsv(text, 'big.csv')
    expect(E.isRight(ds) && ds.right.classes).toBe(3)
    expect(msg(fromCsv(readFileSync(f('passwd.csv'), 'utf8'), 'passwd.csv'))).toBe('passwd.csv: line 1, field 1: expected a number, got "root:x:0:0:root:/root:/b…" (31 characters)')
    expect(msg(fromCsv('0,1\n1,\u200b2\n', 'zw.csv'))).toBe('zw.csv: line 2, field 2: expected a number, got "\\u200B2"')
  })

  it('explain: names of Object.prototype members are unknown functions and plain variables', async () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__'])
      expect(parseExpr(`${name}(x,y)`)).toEqual(E.left(`unknown function '${name}' at column 1 (known: exp, log, sqrt, tanh, sigmoid, relu, abs, square, max, min)`))
    // as variables they are plain names: a value is required, and the one given is used
    expect(await quietly(['explain', 'constructor*2'])).toEqual({ code: 2, stderr: 'symgrad: explain: no value for constructor: add --at constructor=…\n' })
    const out: string[] = []
    const q = vi.spyOn(console, 'log').mockImplementation((l: string) => void out.push(l))
    const r = await runCli(['explain', 'constructor*__proto__', '--at', 'constructor=3,__proto__=5'])
    q.mockRestore()
    expect(r).toEqual({ code: 0, stderr: '' })
    expect(out).toContain('at constructor = 3, __proto__ = 5: f = 15')
  })

  it('IDX files with 0 images, rows or columns are refused naming the file', async () => {
    expect(await quietly(['train', ...run, '--data', `idx:${f('zero-rows.idx')},${f('lb.idx')}`])).toEqual({ code: 2, stderr: `symgrad: ${f('zero-rows.idx')}: IDX images with dimensions 3×0×4: expected at least 1 rows, got 0\n` })
    expect(await quietly(['train', ...run, '--data', `idx:${f('zero-images.idx')},${f('lb.idx')}`])).toEqual({ code: 2, stderr: `symgrad: ${f('zero-images.idx')}: IDX images with dimensions 0×4×4: expected at least 1 images, got 0\n` })
  })
})

describe('outputs are checked before any work; the checkpoint is written before the report', () => {
  it("--report '', a file in the way of --report or of search --out: refused at once, nothing created", async () => {
    writeFileSync(f('in-the-way'), 'x')
    expect(await quietly(['train', ...run, '--report', ''])).toEqual({ code: 2, stderr: "symgrad: cannot write '': an empty path\n" })
    expect(await quietly(['train', ...run, '--report', join(f('in-the-way'), 'r')])).toEqual({ code: 2, stderr: `symgrad: cannot write ${join(f('in-the-way'), 'r')}: a part of the path is not a folder (ENOTDIR)\n` })
    expect(await quietly(['search', ...common, '--out', join(f('in-the-way'), 'best.json')])).toEqual({ code: 2, stderr: `symgrad: cannot write ${f('in-the-way')}: not a folder (ENOTDIR)\n` })
    expect(await quietly(['train', ...run, '--save', ''])).toEqual({ code: 2, stderr: "symgrad: cannot write '': an empty path\n" })
    expect(readdirSync(d).filter((x) => x.endsWith('.tmp'))).toEqual([])
  })

  it('a report that cannot be written fails after the checkpoint is saved', async () => {
    // the report folder exists at the check and is replaced by a file during training: the report fails, the checkpoint is there
    mkdirSync(f('rep'))
    const q = vi.spyOn(console, 'log').mockImplementation((l: string) => {
      if (typeof l === 'string' && l.startsWith('epoch 1/1')) (rmSync(f('rep'), { recursive: true }), writeFileSync(f('rep'), 'x'))
    })
    const r = await runCli(['train', ...run, '--report', f('rep'), '--save', f('first.json')])
    q.mockRestore()
    expect(r.code).toBe(1)
    expect(E.isRight(loadCheckpoint(f('first.json')))).toBe(true)
  }, 30_000)

  it('search does not create report/ before rejecting its arguments', async () => {
    const cwd = process.cwd()
    mkdirSync(f('empty'))
    process.chdir(f('empty'))
    try {
      expect((await quietly(['search', '--trials', '0'])).code).toBe(2)
      expect(readdirSync(f('empty'))).toEqual([])
    } finally {
      process.chdir(cwd)
    }
  })

  it('the pre-check is a real write that leaves nothing behind', () => {
    expect(E.isRight(checkWritable(f('probe.json'), 1000))).toBe(true)
    expect(readdirSync(d).filter((x) => x.startsWith('.probe'))).toEqual([])
    expect(msg(checkWritable(f('probe.json'), Number.MAX_SAFE_INTEGER))).toMatch(/^cannot write .*probe\.json: no space left on the device \(ENOSPC\): about \d+ bytes needed, \d+ free$/)
  })
})

describe('silent loss and wrong results', () => {
  it('two runs saving to one checkpoint: the second is refused naming the holder; a dead holder is cleared', async () => {
    const sleeper = spawn('sleep', ['30'])
    try {
      writeFileSync(f('.locked.json.lock'), `${sleeper.pid}\n`)
      expect(await quietly(['train', ...run, '--save', f('locked.json')])).toEqual({
        code: 2,
        stderr: `symgrad: ${f('locked.json')} is being written by process ${sleeper.pid} (lock file ${f('.locked.json.lock')}); let that run finish, or write elsewhere\n`,
      })
    } finally {
      sleeper.kill()
    }
    await new Promise((r) => sleeper.on('exit', r))
    const release = lockForWriting(f('locked.json'))
    expect(E.isRight(release)).toBe(true)
    expect(readFileSync(f('.locked.json.lock'), 'utf8')).toBe(`${process.pid}\n`)
    if (E.isRight(release)) release.right()
    expect(existsSync(f('.locked.json.lock'))).toBe(false)
    expect(await quietly(['train', ...run, '--save', f('locked.json')])).toEqual({ code: 0, stderr: '' })
    expect(existsSync(f('.locked.json.lock'))).toBe(false)
  }, 60_000)

  it('search over data or preprocess is refused', async () => {
    expect(await quietly(['search', ...common, '--space', f('space-data.json'), '--out', f('b.json')])).toEqual({ code: 2, stderr: "symgrad: space.data: cannot be searched (every trial loads the base run's data); give it with --data and run one search per value\n" })
  })

  it('NaN and out-of-range optimizer state or position are refused at load', async () => {
    const save = (name: string, fn: (c: any) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const c = JSON.parse(JSON.stringify(ckpt))
      fn(c)
      writeFileSync(f(name), JSON.stringify(c))
      return f(name)
    }
    const nan = save('nan-opt.json', (c) => (c.state.optState.hyperparams.learningRate = { $num: 'NaN' }))
    const count = save('count.json', (c) => (c.state.optState.count = -7))
    const batch = save('batch.json', (c) => (c.state.batch = 1e15))
    expect(await quietly(['train', '--resume', nan, '--epochs', '2'])).toEqual({ code: 2, stderr: `symgrad: ${nan}: checkpoint.state.optState['hyperparams']['learningRate']: expected a finite number, got NaN (the optimizer state does not fit the configured optimizer)\n` })
    expect(await quietly(['train', '--resume', count, '--epochs', '2'])).toEqual({ code: 2, stderr: `symgrad: ${count}: checkpoint.state.optState['count']: expected an integer in 0..${ckpt['state'].step + 1}, got -7 (the optimizer state does not fit the configured optimizer)\n` })
    expect(await quietly(['train', '--resume', batch, '--epochs', '2'])).toEqual({ code: 2, stderr: `symgrad: ${batch}: checkpoint.state.batch: expected 0..6 (7 batches per epoch), got 1000000000000000\n` })
  })

  it('positional typos, seeds, shifts, tiny data, a BOM', async () => {
    expect(await quietly(['train', '-lr', '0.1'])).toEqual({ code: 2, stderr: 'symgrad: train: unexpected argument "-lr" (flags start with two dashes: did you mean --lr?)\n' })
    expect(await quietly(['train', 'spiral'])).toEqual({ code: 2, stderr: 'symgrad: train: unexpected argument "spiral" (train takes only --flags)\n' })
    expect(await quietly(['gradcheck', '--seed', '-1'])).toEqual({ code: 2, stderr: 'symgrad: gradcheck: --seed: expected a non-negative integer, got -1\n' })
    expect(await quietly(['train', '--seed', '-1'])).toEqual({ code: 2, stderr: 'symgrad: --seed: expected a non-negative integer, got -1\n' })
    expect(await quietly(['train', ...run, '--data', `idx:${f('im.idx')},${f('lb.idx')}`, '--shift', '1e9'])).toEqual({ code: 2, stderr: 'symgrad: --shift: expected 0..3 pixels for 4×4 images (a larger shift moves the whole image out of the frame), got 1000000000\n' })
    expect(await quietly(['train', ...run, '--data', `csv:${f('two.csv')}`])).toEqual({ code: 2, stderr: `symgrad: csv:${f('two.csv')}: the validation split is empty (2 train / 0 validation / 0 test rows); the data needs more rows\n` })
    expect(await quietly(['train', ...run, '--config', f('bom.json')])).toEqual({ code: 0, stderr: '' })
    // a huge penalty makes the very first loss infinite: the message blames the inputs or the penalty, not the learning rate
    const errs: string[] = []
    const e = vi.spyOn(console, 'error').mockImplementation((l: string) => void errs.push(l))
    const huge = await quietly(['train', ...run, '--l2', '1e308'])
    e.mockRestore()
    expect(huge.code).toBe(1)
    expect(errs.join('\n')).toContain("training stopped at step 0 (epoch 0, batch 0): loss is Infinity (first non-finite gradient: 'dense0.W'); this is before the first update, so the inputs or the regularization are too large")
  }, 30_000)

  it('whitening with eps = 0 on data with a constant direction is a Left, not NaN', () => {
    const x = { shape: [4, 2], data: Float64Array.from([1, 5, 2, 5, 3, 5, 4, 5]) }
    expect(msg(fitPcaWhiten(x, 2, 0))).toMatch(/^fitPcaWhiten: component 1 has variance -?\d.*and eps = 0, so 1\/√\(variance \+ eps\) is not finite; pass eps > 0 \(the default is 0\.00001\)$/)
    expect(msg(fitZca(x, 0))).toMatch(/^fitZca: component 1 has variance/)
    expect(msg(fitPcaWhiten(x, 1, -1))).toBe('fitPcaWhiten: eps must be a finite number ≥ 0, got -1')
  })
})
