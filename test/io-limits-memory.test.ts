/**
 * Limits on memory, not bytes: each reader estimates what it will allocate and refuses before
 * allocating. The hostile files are small on disk: headers that lie, gzip bombs of a few kilobytes,
 * sparse files, and limits lowered through the `Limits` option.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as T from '../src/core/Tensor.js'
import { readJsonFile } from '../src/io/atomic.js'
import { loadCheckpoint, loadRunConfig, loadSpec } from '../src/records/files.js'
import { checkpointSizeEstimate, HISTORY_POINTS } from '../src/io/checkpointSize.js'
import { fromCsvBytes } from '../src/io/csv.js'
import { loadCifar, loadCsv, loadIdx, readPng } from '../src/io/files.js'
import { defaultLimits, type Limits } from '../src/io/limits.js'
import { decisionBoundary } from '../src/train/boundary.js'
import { runCli } from '../src/cli/main.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-memory-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const f = (name: string) => join(dir, name)

function msg<A>(r: E.Either<{ message: string }, A>): string {
  if (E.isRight(r)) throw new Error('expected a refusal')
  expect(r.left.message.split('\n')).toHaveLength(1)
  return r.left.message
}

/** An IDX header (big-endian magic and dimensions) followed by `body` bytes. */
function idx(magic: number, dims: readonly number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, magic)
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d))
  out.set(body, 4 + 4 * dims.length)
  return out
}

describe('IDX: the header’s dimensions are checked against the memory limit before inflating', () => {
  it('a gzip bomb of a few kilobytes whose legal header claims 10000×300×300 pixels (7.2 GB as float64) is refused from its header', () => {
    // 20 MB of zeros after the header compress to about 20 KB; the header promises 900 MB, within the 1 GiB file limit
    const bomb = gzipSync(idx(2051, [10000, 300, 300], new Uint8Array(20 << 20)), { level: 9 })
    expect(bomb.length).toBeLessThan(64 << 10)
    writeFileSync(f('bomb-images.gz'), bomb)
    writeFileSync(f('labels'), idx(2049, [10000], new Uint8Array(10000)))
    const before = process.memoryUsage().arrayBuffers
    const m = msg(loadIdx(f('bomb-images.gz'), f('labels')))
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20) // nothing near the 20 MB body was inflated
    expect(m).toBe(`${f('bomb-images.gz')}: IDX data with dimensions 10000×300×300 (as float64) needs about 7.20 GB of memory, over the limit of 4294967296 (raise it with SYMGRAD_MAX_MEMORY_BYTES=<n>)`)
  })

  it('a plain (not gzip) IDX file of 16 bytes claiming the same is refused from its header, before any array', () => {
    writeFileSync(f('liar-images'), idx(2051, [10000, 300, 300], new Uint8Array(0)))
    expect(msg(loadIdx(f('liar-images'), f('labels')))).toContain('IDX data with dimensions 10000×300×300 (as float64) needs about 7.20 GB of memory')
  })

  it('a lowered memory limit through the Limits option: a real 100-image file is refused, and read when the limit allows it', () => {
    const images = idx(2051, [100, 28, 28], new Uint8Array(100 * 784).fill(7))
    writeFileSync(f('small-images.gz'), gzipSync(images))
    writeFileSync(f('small-labels'), idx(2049, [100], new Uint8Array(100).fill(3)))
    const low: Limits = { ...defaultLimits, memoryBytes: 100_000 }
    expect(msg(loadIdx(f('small-images.gz'), f('small-labels'), {}, low))).toContain('IDX data with dimensions 100×28×28 (as float64) needs about 627200 bytes of memory, over the limit of 100000')
    const ok = loadIdx(f('small-images.gz'), f('small-labels'), {}, { ...defaultLimits, memoryBytes: 1 << 20 })
    expect(E.isRight(ok) && ok.right.x.shape).toEqual([100, 784])
  })

  it('CIFAR-10 batches: their bytes as float64 are checked before the arrays exist', () => {
    writeFileSync(f('batch.bin'), new Uint8Array(3073 * 20))
    expect(msg(loadCifar([f('batch.bin'), f('batch.bin')], 'cifar', { ...defaultLimits, memoryBytes: 3073 * 20 * 8 + 1 }))).toBe(
      'cifar: 2 CIFAR-10 file(s) of 122920 bytes (as float64) needs about 983360 bytes of memory, over the limit of 491681 (raise it with SYMGRAD_MAX_MEMORY_BYTES=<n>)',
    )
    const ok = loadCifar([f('batch.bin')], 'cifar', { ...defaultLimits, memoryBytes: 3073 * 20 * 8 + 1 })
    expect(E.isRight(ok) && ok.right.x.shape).toEqual([20, 3072])
  })
})

describe('PNG: the header’s size is checked against the memory limit before decoding', () => {
  it('a 33-byte PNG whose header claims 16000×16000 pixels (within the pixel limit) is refused before any decoder runs', () => {
    const png = new Uint8Array(33)
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const v = new DataView(png.buffer)
    v.setUint32(8, 13)
    png.set([...'IHDR'].map((c) => c.charCodeAt(0)), 12)
    v.setUint32(16, 16000)
    v.setUint32(20, 16000)
    png.set([8, 6, 0, 0, 0], 24)
    writeFileSync(f('liar.png'), png)
    expect(msg(readPng(f('liar.png')))).toBe(`${f('liar.png')}: a 16000×16000 PNG (decoded, then as float64) needs about 10.2 GB of memory, over the limit of 4294967296 (raise it with SYMGRAD_MAX_MEMORY_BYTES=<n>)`)
  })
})

describe('CSV: rows × columns × 8 and the class count are bounded before allocating', () => {
  it('a 1 KB file with one label of 40000 is refused by the class limit, naming its line', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i % 3},${i / 10},${i % 7}`)
    rows[41] = '40000,0.5,0.5'
    writeFileSync(f('labels.csv'), rows.join('\n'))
    expect(statSync(f('labels.csv')).size).toBeLessThan(1100)
    expect(msg(loadCsv(f('labels.csv')))).toBe(`${f('labels.csv')}: line 42: the label 40000 means 40001 classes, over the limit of 1000 (raise it with SYMGRAD_MAX_CLASSES=<n>)`)
  })

  it('with the class limit raised, the report’s decision boundary scores the grid in pieces and draws class 300 as 300', () => {
    const ds = loadCsv(f('labels.csv'), { ...defaultLimits, classes: 50_000 })
    if (E.isLeft(ds)) throw ds.left
    expect(ds.right.classes).toBe(40001)
    let largest = 0
    const b = decisionBoundary(ds.right, (x) => {
      const n = x.shape[0]!
      largest = Math.max(largest, n * ds.right.classes)
      const s = new Float64Array(n * ds.right.classes)
      for (let i = 0; i < n; i++) s[i * ds.right.classes + 300] = 5
      return T.make([n, ds.right.classes], s)
    }, 20)
    expect(largest).toBeLessThanOrEqual(2 ** 20) // never 6400 cells × 40001 classes (2 GB) at once
    expect(new Set(Array.from(b.cls))).toEqual(new Set([300]))
  })

  it('the estimate: a file whose rows would take more than the memory limit is refused before its arrays exist', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `${i % 2},${'1,'.repeat(99)}1`).join('\n')
    expect(msg(fromCsvBytes(new TextEncoder().encode(text), 'wide.csv', { ...defaultLimits, memoryBytes: 500_000 }))).toBe(
      'wide.csv: 1000 rows of 101 fields (as float64) needs about 808000 bytes of memory, over the limit of 500000 (raise it with SYMGRAD_MAX_MEMORY_BYTES=<n>)',
    )
  })

  it('read line by line: no string longer than a line is decoded, and the rows are the same as before', () => {
    const text = '\ufeff' + Array.from({ length: 500 }, (_, i) => `${i % 4},${i},${-i / 3},${i * 1e-3}`).join('\r\n') + '\n\n'
    writeFileSync(f('rows.csv'), text)
    const decode = vi.spyOn(TextDecoder.prototype, 'decode')
    try {
      const ds = loadCsv(f('rows.csv'))
      if (E.isLeft(ds)) throw ds.left
      const longest = Math.max(...decode.mock.calls.map(([b]) => (b as Uint8Array).byteLength))
      expect(longest).toBeLessThan(64)
      expect(ds.right.x.shape).toEqual([500, 3])
      expect(ds.right.classes).toBe(4)
      expect([...ds.right.x.data.subarray(3 * 499)]).toEqual([499, -499 / 3, 0.499])
    } finally {
      decode.mockRestore()
    }
  })

  it('a 540 MB (sparse) file, longer than one JavaScript string can be: one line, not ERR_STRING_TOO_LONG', () => {
    const fd = openSync(f('huge.csv'), 'w')
    ftruncateSync(fd, 540 * 2 ** 20)
    closeSync(fd)
    expect(msg(loadCsv(f('huge.csv')))).toBe(`${f('huge.csv')}: line 1: ${540 * 2 ** 20} bytes in one line, more than a line may hold (268435456)`)
    // a JSON document that large (its limit raised) is one line too
    expect(msg(readJsonFile(f('huge.csv'), 'checkpoint', { ...defaultLimits, checkpointBytes: 2 ** 30 }))).toMatch(/^.*huge\.csv: 566231040 bytes is more text than one string can hold \(\d+ characters\)/)
  }, 60_000)
})

describe('JSON documents: each kind has its own byte limit, checked before reading', () => {
  it('a 2 MB config, spec and search space are refused at once; checkpoints and graphs have their own limits', async () => {
    writeFileSync(f('big.json'), `{"epochs": 3${' '.repeat(2 << 20)}}`)
    const size = statSync(f('big.json')).size
    expect(msg(loadRunConfig(f('big.json')))).toBe(`${f('big.json')}: ${size} bytes is over the config file size limit of 1048576 (raise it with SYMGRAD_MAX_CONFIG_BYTES=<n>)`)
    expect(msg(loadSpec(f('big.json')))).toBe(`${f('big.json')}: ${size} bytes is over the spec file size limit of 1048576 (raise it with SYMGRAD_MAX_SPEC_BYTES=<n>)`)
    expect(E.isRight(readJsonFile(f('big.json'), 'checkpoint'))).toBe(true)
    expect(msg(readJsonFile(f('big.json'), 'graph', { ...defaultLimits, graphBytes: 1 << 20 }))).toContain('over the graph file size limit of 1048576 (raise it with SYMGRAD_MAX_GRAPH_BYTES=<n>)')
    expect(msg(readJsonFile(f('big.json'), 'checkpoint', { ...defaultLimits, checkpointBytes: 1 << 20 }))).toContain('over the checkpoint file size limit')
    expect(msg(loadCheckpoint(f('big.json')))).toContain('checkpoint') // within the limit: decoded, and refused as no checkpoint
    const cli = await runCli(['train', '--data', 'xor', '--config', f('big.json')])
    expect(cli).toMatchObject({ code: 2, stderr: `symgrad: ${f('big.json')}: ${size} bytes is over the config file size limit of 1048576 (raise it with SYMGRAD_MAX_CONFIG_BYTES=<n>)\n` })
    writeFileSync(f('space.json'), `{${' '.repeat(2 << 20)}}`)
    const space = await runCli(['search', '--data', 'xor', '--space', f('space.json'), '--out', f('best.json')])
    expect(space.code).toBe(2)
    expect(space.stderr).toContain('over the config file size limit of 1048576')
  })
})

describe('the checkpoint pre-flight counts the history it will write', () => {
  it('a 40-epoch spiral run: the estimate is at least the bytes written, and does not grow with the steps (the history is thinned)', async () => {
    const save = f('run.json')
    const r = await runCli(['train', '--data', 'spiral', '--epochs', '40', '--save', save, '--report', f('report')])
    expect(r.code, r.stderr).toBe(0)
    const written = statSync(save).size
    const ck = loadCheckpoint(save)
    if (E.isLeft(ck)) throw ck.left
    const st = ck.right.state
    const paramShapes = Object.fromEntries(Object.entries(st.params).map(([k, t]) => [k, t.shape]))
    const estimate = checkpointSizeEstimate({ paramShapes, stateShapes: {}, steps: st.step, epochs: 40 })
    // 560 steps, kept as at most HISTORY_POINTS points per list
    expect(st.step).toBe(560)
    expect(st.history.loss.length).toBeLessThanOrEqual(HISTORY_POINTS)
    expect(estimate).toBeGreaterThanOrEqual(written)
    expect(estimate).toBeLessThan(2 * written + (1 << 16))
    // a run 10,000 times longer writes the same thinned lists: only its epoch records add bytes
    expect(checkpointSizeEstimate({ paramShapes, stateShapes: {}, steps: 5_600_000, epochs: 40 })).toBe(estimate)
  }, 60_000)
})
