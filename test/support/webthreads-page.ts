/**
 * The page script of test/web-threads.test.ts, bundled for the browser: symgrad's browser entry and
 * symgrad/web's `webThreadPool(2)`. It compiles a float32 product above the split threshold and a
 * small MLP training step and a convolution step on the WebAssembly backend with and without the pool, runs both, and
 * leaves what it saw in `window.webThreads` (the test compares it; nothing here asserts).
 */
import * as sg from '../../src/index.js'
import { webThreadPool } from '../../src/web/index.js'
import type { Tensor } from '../../src/core/Tensor.js'

/** Elements whose bits differ (NaN counts as differing from everything: none is expected). */
function mismatches(a: Tensor, b: Tensor): number {
  if (a.data.length !== b.data.length) return Math.max(a.data.length, b.data.length)
  let n = 0
  for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) n++
  return n
}

function maxRelDiff(a: Tensor, b: Tensor): number {
  let scale = 1
  for (const v of b.data) scale = Math.max(scale, Math.abs(v))
  let d = 0
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(a.data[i]! - b.data[i]!))
  return d / scale
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function main(): Promise<unknown> {
  const pool = webThreadPool(2)
  const env = { crossOriginIsolated: globalThis.crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined', cores: navigator.hardwareConcurrency, threads: pool.threads }
  const t0 = performance.now()
  try {
    // ── one product above the split threshold: 256×512 · 512×256 = 2²⁵ multiply-adds ──
    const a = sg.input('a', [256, 512])
    const b = sg.input('b', [512, 256])
    const outs = [sg.matmul(a, b)]
    const k = sg.Random.key(11)
    const bind = { a: sg.Random.normal(sg.Random.foldIn(k, 1), [256, 512]), b: sg.Random.normal(sg.Random.foldIn(k, 2), [512, 256]) }
    const one = sg.compile(outs, { dtype: 'float32' })
    const two = sg.compile(outs, { dtype: 'float32', threads: pool })
    const ref = one.runOrThrow(bind)[0]!
    const f64 = sg.compile(outs).runOrThrow(bind)[0]!
    // products before the workers have started run on this thread (workers start once it yields to its event loop)
    const early = two.runOrThrow(bind)[0]!
    const partsEarly = pool.workerParts()
    const ready = await pool.ready
    // the worker claims a part once awake (a call never waits for a sleeping one): calls until it has taken one, each compared
    let got = two.runOrThrow(bind)[0]!
    let productMismatches = mismatches(got, ref), calls = 1
    const until = performance.now() + 3000
    for (; pool.workerParts() === partsEarly && (calls < 20 || performance.now() < until); calls++) {
      got = two.runOrThrow(bind)[0]!
      productMismatches += mismatches(got, ref)
    }
    const partsAfterProduct = pool.workerParts()
    const product = { dtype: [one.dtype, two.dtype], ready, partsEarly, workerParts: partsAfterProduct, calls, mismatches: productMismatches, earlyMismatches: mismatches(early, ref), relToFloat64: maxRelDiff(ref, f64), sample: [ref.data[0], got.data[0]] }

    // ── training: three SGD steps of a 784-512-10 MLP on a batch of 128 (its products are split) ──
    const x = sg.input('x', [128, 784])
    const y = sg.input('y', [128])
    const W1 = sg.param('W1', [784, 512])
    const W2 = sg.param('W2', [512, 10])
    const loss = sg.neg(sg.mean(sg.gatherLabel(sg.logSoftmax(sg.matmul(sg.relu(sg.matmul(x, W1)), W2)), y)))
    const gs = sg.grad(loss, { W1, W2 })
    const step = [loss, sg.sub(W1, sg.mul(0.1, gs.W1)), sg.sub(W2, sg.mul(0.1, gs.W2))]
    const data = {
      x: sg.Random.normal(sg.Random.foldIn(k, 3), [128, 784]),
      y: sg.Tensor.make([128], Array.from({ length: 128 }, (_, i) => (i * 7) % 10)),
    }
    const init = { W1: sg.Random.normal(sg.Random.foldIn(k, 4), [784, 512], 0.05), W2: sg.Random.normal(sg.Random.foldIn(k, 5), [512, 10], 0.05) }
    const train = (f: ReturnType<typeof sg.compile>) => {
      let p = init
      const losses: number[] = []
      for (let s = 0; s < 3; s++) {
        const [l, w1, w2] = f.runOrThrow({ ...data, ...p })
        losses.push(l!.data[0]!)
        p = { W1: w1!, W2: w2! }
      }
      return { losses, p }
    }
    const before = pool.workerParts()
    const r1 = train(sg.compile(step, { dtype: 'float32' }))
    // the worker claims parts once awake (on a loaded machine maybe none of one run): runs until it took part, each compared
    const threaded = sg.compile(step, { dtype: 'float32', threads: pool })
    let r2 = train(threaded), trainingMismatches = 0, runs = 1
    const count = () => mismatches(r1.p.W1, r2.p.W1) + mismatches(r1.p.W2, r2.p.W2) + r1.losses.filter((l, i) => !Object.is(l, r2.losses[i])).length
    trainingMismatches += count()
    for (const until = performance.now() + 3000; pool.workerParts() === before && performance.now() < until; runs++) {
      r2 = train(threaded)
      trainingMismatches += count()
    }
    const training = { losses: [r1.losses, r2.losses], workerParts: pool.workerParts() - before, runs, mismatches: trainingMismatches }

    // ── a convolution step: loss and filter gradients of two 3×3 convolutions over 64 images (the convolutions are split too) ──
    const img = sg.input('img', [64, 1, 28, 28])
    const f0 = sg.param('f0', [8, 1, 3, 3])
    const f1 = sg.param('f1', [4, 8, 3, 3])
    const closs = sg.mean(sg.square(sg.conv2d(sg.relu(sg.conv2d(img, f0, { pad: 1 })), f1)))
    const cg = sg.grad(closs, { f0, f1 })
    const convOuts = [closs, cg.f0, cg.f1]
    const convData = { img: sg.Random.normal(sg.Random.foldIn(k, 6), [64, 1, 28, 28]), f0: sg.Random.normal(sg.Random.foldIn(k, 7), [8, 1, 3, 3], 0.3), f1: sg.Random.normal(sg.Random.foldIn(k, 8), [4, 8, 3, 3], 0.2) }
    const beforeConv = pool.workerParts()
    const c1 = sg.compile(convOuts, { dtype: 'float32' }).runOrThrow(convData)
    const convThreaded = sg.compile(convOuts, { dtype: 'float32', threads: pool })
    let convMismatches = 0
    for (let k = 0, until = performance.now() + 3000; k === 0 || (pool.workerParts() === beforeConv && performance.now() < until); k++) {
      const c2 = convThreaded.runOrThrow(convData)
      convMismatches += c1.reduce((n, t, i) => n + mismatches(t, c2[i]!), 0)
    }
    const c64 = sg.compile(convOuts).runOrThrow(convData)
    const conv = { workerParts: pool.workerParts() - beforeConv, mismatches: convMismatches, loss: c1[0]!.data[0], relToFloat64: Math.max(...c1.map((t, i) => maxRelDiff(t, c64[i]!))) }
    return { env, product, training, conv, ms: performance.now() - t0 }
  } finally {
    await pool.close()
  }
}

declare global {
  interface Window { webThreads?: unknown }
}
main().then(
  (r) => void (window.webThreads = r),
  (e: unknown) => void (window.webThreads = { error: String(e instanceof Error ? `${e.message}\n${e.stack}` : e) }),
)
