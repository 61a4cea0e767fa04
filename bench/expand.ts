/**
 * bench:expand — binding a 64×784 batch of MNIST-like pixels into a float32 view of a shared
 * WebAssembly memory (as a pooled float32 function's arena holds its input), three ways:
 * "plain bytes" (`putBytesPlain`: bytes[i] / 255 stored element by element), "SIMD bytes"
 * (kernels/expand-wasm.ts: bytes staged through the scratch, expanded and divided in WebAssembly),
 * and "float64 demote" (today's route: the float64 values staged and demoted by
 * kernels/convert-wasm.ts). Also the same bytes into a float64 view (a pooled float64 function).
 * Batches come from a set of `--rows` rows in turn ("cold": the set exceeds the cache) or are the
 * same batch every call ("hot"). Median microseconds per call over interleaved rounds, each round
 * timing `--calls` calls of one route; every route's result is checked against the plain one.
 *
 *   npx tsx bench/expand.ts [--rows=10000] [--rounds=300] [--calls=10]
 */
import { putBytesPlain, type FloatArray } from '../src/compile/arena.js'
import { demoteInto } from '../src/compile/kernels/convert-wasm.js'
import { expandChunk, expandInto } from '../src/compile/kernels/expand-wasm.js'
import { median } from './common.js'

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]))
const ROWS = Number(args['rows'] ?? 10000), ROUNDS = Number(args['rounds'] ?? 300), CALLS = Number(args['calls'] ?? 10)
const B = 64, D = 784, N = B * D

// pixels as MNIST has them: mostly 0, some 255, a few in between
const set = new Uint8Array(ROWS * D)
let s = 12345
for (let i = 0; i < set.length; i++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0
  const r = s >>> 24
  set[i] = r < 160 ? 0 : r < 200 ? 255 : r
}
const set64 = Float64Array.from(set, (b) => b / 255)

const memory = new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true })
const need = expandChunk + 16 + 8 * N
memory.grow(Math.ceil(need / 65536))
const dst32 = new Float32Array(memory.buffer, expandChunk + 16, N)
const dst64 = new Float64Array(memory.buffer, expandChunk + 16, N)
const expand = expandInto(memory, 0)
const demote = demoteInto(memory, 0)
if (expand === undefined || demote === undefined) {
  console.error('bench/expand: this engine has no WebAssembly SIMD')
  process.exit(2)
}

let batch = 0
const next = (hot: boolean): number => (hot ? 0 : (batch = (batch + 1) % Math.floor(ROWS / B)) * N)
interface Route { readonly name: string; readonly run: (at: number) => void; readonly dst: FloatArray; readonly ref: 'f32' | 'f64' }
const routes: Route[] = [
  { name: 'float32 view: plain bytes (putBytesPlain)', dst: dst32, ref: 'f32', run: (at) => putBytesPlain(dst32, set.subarray(at, at + N), 255) },
  { name: 'float32 view: SIMD bytes (expandInto)', dst: dst32, ref: 'f32', run: (at) => expand(dst32, set.subarray(at, at + N), 255, true) },
  { name: 'float32 view: float64 demote (demoteInto)', dst: dst32, ref: 'f32', run: (at) => demote(dst32, set64.subarray(at, at + N), true) },
  { name: 'float64 view: plain bytes (putBytesPlain)', dst: dst64, ref: 'f64', run: (at) => putBytesPlain(dst64, set.subarray(at, at + N), 255) },
  { name: 'float64 view: SIMD bytes (expandInto)', dst: dst64, ref: 'f64', run: (at) => expand(dst64, set.subarray(at, at + N), 255, true) },
  { name: 'float64 view: float64 copy (set)', dst: dst64, ref: 'f64', run: (at) => dst64.set(set64.subarray(at, at + N)) },
]

// every route writes the same bits as the plain loop (last batch of the set)
const at = (Math.floor(ROWS / B) - 1) * N
for (const r of routes) {
  const want = r.ref === 'f32' ? new Float32Array(N) : new Float64Array(N)
  putBytesPlain(want, set.subarray(at, at + N), 255)
  r.run(at)
  for (let i = 0; i < N; i++) if (!Object.is(r.dst[i], want[i])) throw new Error(`${r.name}: element ${i} is ${r.dst[i]}, want ${want[i]}`)
}

console.log(`${B}×${D} batch (${N} values) into a shared memory; ${ROWS} rows (${(set.length / 2 ** 20).toFixed(1)} MiB of bytes, ${(set64.length / 2 ** 17).toFixed(1)} MiB of float64); median of ${ROUNDS} rounds of ${CALLS} calls`)
for (const hot of [false, true]) {
  const times = routes.map(() => [] as number[])
  for (let round = 0; round < ROUNDS + 20; round++)
    routes.forEach((r, k) => {
      const t0 = performance.now()
      for (let c = 0; c < CALLS; c++) r.run(next(hot))
      const us = ((performance.now() - t0) * 1000) / CALLS
      if (round >= 20) times[k]!.push(us)
    })
  console.log(`\n${hot ? 'hot (the same batch each call)' : 'cold (batches in turn from the whole set)'}`)
  routes.forEach((r, k) => console.log(`  ${r.name.padEnd(44)} ${median(times[k]!).toFixed(1).padStart(7)} µs`))
}
