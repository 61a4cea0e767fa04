/** symgrad peers: the compiled loss+gradient program, and the reference interpreter over Expr. */
import * as E from 'fp-ts/lib/Either.js'
import type { Expr } from '../../src/core/Expr.js'
import type { Tensor } from '../../src/core/Tensor.js'
import * as sg from '../../src/ops/index.js'
import { grad } from '../../src/ad/grad.js'
import { evaluate } from '../../src/eval/evaluate.js'
import { compile, valueAndGrad } from '../../src/compile/index.js'
import { threadPool } from '../../src/runner/threads.js'
import { argmaxAccuracy, LR, type Batch, type Config, type Init, type Trainer } from '../common.js'

function model(cfg: Config) {
  const x = sg.input('x', ['N', cfg.sizes[0]!])
  const y = sg.input('y', ['N'])
  const params: Record<string, Expr> = {}
  let h: Expr = x
  for (let l = 0; l + 1 < cfg.sizes.length; l++) {
    const W = sg.param(`W${l}`, [cfg.sizes[l]!, cfg.sizes[l + 1]!])
    const b = sg.param(`b${l}`, [cfg.sizes[l + 1]!])
    params[`W${l}`] = W
    params[`b${l}`] = b
    h = sg.add(sg.matmul(h, W), b)
    if (l + 2 < cfg.sizes.length) h = sg.relu(h)
  }
  const loss = sg.neg(sg.mean(sg.gatherLabel(sg.logSoftmax(h), y)))
  return { loss, logits: h, params }
}

function paramTensors(cfg: Config, init: Init): Record<string, Tensor> {
  const out: Record<string, Tensor> = {}
  init.W.forEach((w, l) => (out[`W${l}`] = { shape: [cfg.sizes[l]!, cfg.sizes[l + 1]!], data: w.slice() }))
  init.b.forEach((b, l) => (out[`b${l}`] = { shape: [cfg.sizes[l + 1]!], data: b.slice() }))
  return out
}

/** SGD on the training loop's own parameter arrays (the compiled function never writes them). */
function sgd(params: Record<string, Tensor>, grads: Record<string, Tensor>): void {
  for (const k in params) {
    const p = params[k]!.data
    const g = grads[k]!.data
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - LR * g[i]!
  }
}

export async function compiled(cfg: Config, init: Init): Promise<Trainer> {
  const { loss, logits, params } = model(cfg)
  const vg = valueAndGrad(loss, params)
  const fwd = compile([logits])
  const p = paramTensors(cfg, init)
  return {
    step: (b: Batch) => sgd(p, vg.runOwned({ ...p, x: { shape: [b.n, 784], data: b.x }, y: { shape: [b.n], data: b.y } }).grads),
    accuracy: (b: Batch) => argmaxAccuracy(fwd.runOrThrow({ ...p, x: { shape: [b.n, 784], data: b.x } })[0]!.data, b.y, 10),
  }
}

/**
 * Float32 on the WebAssembly backend: the SGD update is part of the compiled step (new params are
 * outputs carried back into the function's memory), so parameters stay float32 in WebAssembly
 * memory from step to step and only the batch is converted on the way in.
 */
export async function compiledF32(cfg: Config, init: Init, threads: number): Promise<Trainer> {
  const { loss, logits, params } = model(cfg)
  const keys = Object.keys(params)
  const gs = grad(loss, params)
  const pool = threads > 1 ? threadPool(threads) : undefined
  const opts = { dtype: 'float32' as const, ...(pool ? { threads: pool } : {}) }
  const step = compile([loss, ...keys.map((k) => sg.sub(params[k]!, sg.mul(LR, gs[k]!)))], { ...opts, carry: Object.fromEntries(keys.map((k, i) => [k, i + 1])) })
  const fwd = compile([logits], opts)
  const p = paramTensors(cfg, init)
  for (const k of keys) step.load(k, p[k]!)
  return {
    step: (b: Batch) => void step.runOwned({ x: { shape: [b.n, 784], data: b.x }, y: { shape: [b.n], data: b.y } }),
    accuracy: (b: Batch) => {
      for (const k of keys) fwd.load(k, step.read(k))
      return argmaxAccuracy(fwd.runOrThrow({ x: { shape: [b.n, 784], data: b.x } })[0]!.data, b.y, 10)
    },
  }
}

export async function interpreted(cfg: Config, init: Init): Promise<Trainer> {
  const { loss, logits, params } = model(cfg)
  const keys = Object.keys(params)
  const gs = grad(loss, params)
  const outs = [loss, ...keys.map((k) => gs[k]!)]
  const p = paramTensors(cfg, init)
  return {
    step: (b: Batch) => {
      const r = evaluate(outs, { ...p, x: { shape: [b.n, 784], data: b.x }, y: { shape: [b.n], data: b.y } })
      if (E.isLeft(r)) throw r.left
      sgd(p, Object.fromEntries(keys.map((k, i) => [k, r.right[i + 1]!])))
    },
    accuracy: (b: Batch) => {
      const r = evaluate([logits], { ...p, x: { shape: [b.n, 784], data: b.x } })
      if (E.isLeft(r)) throw r.left
      return argmaxAccuracy(r.right[0]!.data, b.y, 10)
    },
  }
}
