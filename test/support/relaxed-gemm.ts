/**
 * Run under `node --experimental-wasm-relaxed-simd --import tsx` by compile-relaxed-gemm.test.ts:
 * the float32 gemm with f32x4.relaxed_madd against float64 products (float32 law bound) over
 * shapes with edge tiles, transposes and accumulation (the 4×8 tile and the 6×8 one the runner
 * uses with it); compiled float32 steps, a product's and a convolution's, on 1 and 2 threads (the
 * same bits); prints one JSON line.
 */
import { gemmModuleBytes, gemmScratchBytes, gemmShapes, hasRelaxedSimd, type GemmShape } from '../../src/compile/kernels/gemm-wasm.js'
import { gemmUsesFma } from '../../src/compile/kernels/gemm-run.js'
import * as sg from '../../src/ops/index.js'
import * as R from '../../src/core/Random.js'
import * as T from '../../src/core/Tensor.js'
import { grad } from '../../src/ad/grad.js'
import { compile } from '../../src/compile/index.js'
import { evaluateOrThrow } from '../../src/eval/evaluate.js'
import { threadPool } from '../../src/runner/threads.js'
import { alwaysSplit } from '../../src/compile/splitChoice.js'
import { twoLayerStep } from './twoLayerStep.js'
import { untilWorkersTakePart } from './workersTakePart.js'

type Gemm = (...a: number[]) => void
const memory = new WebAssembly.Memory({ initial: 256 })
const inst = (s: GemmShape) => new WebAssembly.Instance(new WebAssembly.Module(gemmModuleBytes(s, false)), { env: { mem: memory } }).exports['gemm'] as Gemm
const fmaGemms = [inst({ ...gemmShapes.f32, fma: true }), inst(gemmShapes.f32fma)], plainGemm = inst(gemmShapes.f32)
const scratch = 0, A = Math.max(...Object.values(gemmShapes).map(gemmScratchBytes)) + 64

let worst = 0
let differs = 0
const cases = [[1, 1, 1], [5, 7, 3], [33, 17, 300], [64, 130, 257], [130, 64, 70]] as const
for (const [m, n, k] of cases)
  for (const tA of [0, 1]) for (const tB of [0, 1]) for (const acc of [0, 1]) {
    const B = A + m * k * 4, C = B + k * n * 4
    const f = new Float32Array(memory.buffer)
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 1.7 + m))
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.3 + n))
    const c0 = Float32Array.from({ length: m * n }, (_, i) => (i % 5) - 2)
    f.set(a, A / 4), f.set(b, B / 4)
    const run = (g: Gemm) => {
      f.set(c0, C / 4)
      g(A, tA, B, tB, C, m, n, k, acc, 0, m, 0, n, scratch)
      return Float32Array.from(f.subarray(C / 4, C / 4 + m * n))
    }
    const plain = run(plainGemm)
    for (const got of fmaGemms.map(run))
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = acc ? c0[i * n + j]! : 0, scale = acc ? Math.abs(c0[i * n + j]!) : 0
        for (let p = 0; p < k; p++) {
          const x = a[tA ? p * m + i : i * k + p]!, y = b[tB ? j * k + p : p * n + j]!
          s += x * y
          scale += Math.abs(x * y)
        }
        worst = Math.max(worst, Math.abs(got[i * n + j]! - s) / Math.max(1, scale))
        if (got[i * n + j] !== plain[i * n + j]) differs++
      }
  }

// a compiled float32 step: 1 and 2 threads (every product split) give the same bits with relaxed_madd
const { outs, bindings: bind } = twoLayerStep(3)
const pool = threadPool(2, { chooser: alwaysSplit })
const { wasmBackend } = await import('../../src/compile/backend-wasm.js')
const one = compile(outs, { dtype: 'float32' }).runOrThrow(bind)
const sameBits = (p: readonly T.Tensor[], q: readonly T.Tensor[]) => p.every((t, i) => Buffer.compare(Buffer.from(t.data.buffer), Buffer.from(q[i]!.data.buffer)) === 0)
// the workers claim parts once awake: calls until they took part in one, every call's bits compared
const twoStep = compile(outs, { backend: wasmBackend({ dtype: 'float32', threads: pool, threshold: 0 })! })
let stepSame = true
untilWorkersTakePart(pool, () => twoStep.runOrThrow(bind), (two) => void (stepSame &&= sameBits(one, two)))
// a convolution's step (its column-matrix products run in the spatial module's gemm)
const x = sg.input('x', ['N', 2, 10, 10]), w0 = sg.param('w0', [4, 2, 3, 3]), w1 = sg.param('w1', [64, 3])
const h = sg.maxPool2d(sg.relu(sg.conv2d(x, w0)), { window: 2 })
const loss = sg.sum(sg.square(sg.matmul(sg.reshape(h, ['N', 64]), w1)))
const convOuts = [loss, ...grad(loss, [w0, w1])]
const cb = { x: R.uniform(R.key(4), [6, 2, 10, 10]), w0: R.uniform(R.key(5), [4, 2, 3, 3]), w1: R.uniform(R.key(6), [64, 3]) }
const convOne = compile(convOuts, { dtype: 'float32' }).runOrThrow(cb)
const convTwo = compile(convOuts, { backend: wasmBackend({ dtype: 'float32', threads: pool, threshold: 0 })! })
let convSame = true
untilWorkersTakePart(pool, () => convTwo.runOrThrow(cb), (two) => void (convSame &&= sameBits(convOne, two)))
// and close to the float64 interpreter (relative to the largest value of each output)
let convWorst = 0
convOuts.forEach((o, i) => {
  const want = evaluateOrThrow(o, cb).data
  const scale = Math.max(1, ...Array.from(want, Math.abs))
  want.forEach((v, j) => (convWorst = Math.max(convWorst, Math.abs(convOne[i]!.data[j]! - v) / scale)))
})
const threadsSame = stepSame && convSame
await pool.close()
console.log(JSON.stringify({ relaxed: hasRelaxedSimd(), used: gemmUsesFma(), worst, convWorst, differs, threadsSame, workerParts: pool.workerParts() }))
