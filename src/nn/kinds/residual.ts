/**
 * A residual block, out = x + f(x), where f is the layers it holds, in order: a layer record that
 * holds layers. Its inner layers are planned from its input shape with the model's registries (so a
 * user's kinds may sit inside), named as in a model (`dense0`, `relu0`, counted inside the block),
 * and their leaves are namespaced under it: `res0.dense0.W` (a weight if dense declares it one),
 * `res0.bn0.runningMean`. f must give back the shape it was given. Its inference form is each inner
 * layer's (a dropout inside is dropped); a layer with fitted state cannot sit inside (fit it in front).
 *
 *   sequential(dense(4, 8), residual(dense(8, 8), relu, dense(8, 8)), relu, dense(8, 3))
 */
import * as t from 'io-ts'
import type { Tensor } from '../../core/Tensor.js'
import * as R from '../../core/Random.js'
import * as S from '../../core/Shape.js'
import { ShapeError } from '../../core/errors.js'
import { isRecord, own } from '../../core/codecs.js'
import type { Expr } from '../../core/Expr.js'
import * as ops from '../../ops/index.js'
import { type ApplyContext, defineLayer, type LayerEnv, type LayerSpec, type ParamDecl } from '../LayerDef.js'
import { tanh } from './activation.js'
import { dense } from './dense.js'
import { dropout } from './dropout.js'
import { leafOf } from '../naming.js'
import { type ModelLayer, planLayers } from '../plan.js'
import { show } from './shapes.js'

/** The spec record of a `residual` layer: the layers f of x + f(x). */
export interface Residual {
  readonly kind: 'residual'
  readonly layers: readonly LayerSpec[]
  readonly name?: string
}

/** x + f(x), f the given layers in order (none: f is the identity). */
export function residual<const Ls extends readonly LayerSpec[]>(...layers: Ls): Residual {
  return { kind: 'residual', layers: [...layers] }
}

/** The inner layers in JSON: kind-tagged records, each checked by its own record when the block is planned. */
const InnerLayers = new t.Type<readonly LayerSpec[], readonly LayerSpec[], unknown>(
  'a list of layers',
  (u): u is readonly LayerSpec[] => Array.isArray(u) && u.every((l) => isRecord(l) && typeof own(l, 'kind') === 'string'),
  (u, c) => {
    if (!Array.isArray(u)) return t.failure(u, c, '{path}: expected a list of layers')
    const bad = u.findIndex((l) => !isRecord(l) || typeof own(l, 'kind') !== 'string')
    return bad < 0 ? t.success(u as readonly LayerSpec[]) : t.failure(u, c, `{path}[${bad}]: expected a layer (a record with a 'kind')`)
  },
  (l) => l,
)

/** The last plan of each options object: a block's pieces (outShape, params, state, …) ask for the same one in turn. */
const plans = new WeakMap<object, { readonly shape: string; readonly env: LayerEnv['registries']; readonly inner: readonly ModelLayer[] }>()

/** The block's inner layers planned from its input shape; a ShapeError when f changes the shape or an inner layer fits state. */
function plan(o: { readonly layers: readonly LayerSpec[] }, inShape: readonly number[], env: LayerEnv): readonly ModelLayer[] {
  const shape = inShape.join(',')
  const seen = plans.get(o)
  if (seen !== undefined && seen.shape === shape && seen.env === env.registries) return seen.inner
  const inner = planLayers(o.layers, inShape, env.registries, 'residual')
  for (const l of inner)
    if (l.def.fit !== undefined) throw new ShapeError(`residual: layer '${l.spec.name}' (${l.spec.kind}) has fitted state; put it in front of the block`)
  const out = inner.length === 0 ? inShape : inner[inner.length - 1]!.outShape
  if (!S.equal(out, inShape)) throw new ShapeError(`residual: its layers turn ${show(inShape)} into ${show(out)}; x + f(x) needs f to keep the shape`)
  plans.set(o, { shape, env: env.registries, inner })
  return inner
}

/** Leaves of the inner layers under their names: `dense0.W`. */
function nested<V>(inner: readonly ModelLayer[], leaves: (l: ModelLayer) => Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {}
  for (const l of inner) for (const [k, v] of Object.entries(leaves(l))) out[leafOf(l.spec.name, k)] = v
  return out
}

function pick<V>(all: Readonly<Record<string, V>>, layer: string, locals: readonly string[]): Record<string, V> {
  return Object.fromEntries(locals.map((k) => [k, all[leafOf(layer, k)]!]))
}

export const residualLayer = defineLayer({
  kind: 'residual',
  options: { layers: InnerLayers },
  defaults: {},
  prefix: 'res',
  params: (o, s, env) =>
    nested(plan(o, s, env), (l) => Object.fromEntries(Object.entries(l.params).map(([k, shape]): [string, ParamDecl] => [k, l.weights.includes(k) ? { shape, weight: true } : { shape }]))),
  state: (o, s, env) => nested(plan(o, s, env), (l) => l.state),
  outShape: (o, s, env) => (plan(o, s, env), s),
  init: (o, key, { inShape, registries }) => {
    const params: Record<string, Tensor> = {}
    const state: Record<string, Tensor> = {}
    plan(o, inShape, { registries }).forEach((l, i) => {
      const v = l.def.init(l.spec, R.foldIn(key, i), { inShape: l.inShape, params: l.params, state: l.state, registries })
      for (const k of Object.keys(l.params)) params[leafOf(l.spec.name, k)] = (v.params as Readonly<Record<string, Tensor>>)[k]!
      for (const k of Object.keys(l.state)) state[leafOf(l.spec.name, k)] = (v.state as Readonly<Record<string, Tensor>>)[k]!
    })
    return { params, state }
  },
  apply: (o, x, ctx) => {
    let h: Expr = x
    const state: Record<string, Expr> = {}
    for (const l of plan(o, ctx.inShape, ctx)) {
      const n = l.spec.name
      const inner: ApplyContext<string, string> = {
        mode: ctx.mode, name: leafOf(ctx.name, n), inShape: l.inShape, registries: ctx.registries,
        params: pick(ctx.params, n, Object.keys(l.params)),
        state: pick(ctx.state, n, Object.keys(l.state)),
        uniform: (k, shape, keep) => ctx.uniform(leafOf(n, k), shape, keep),
      }
      const r = l.def.apply(l.spec, h, inner)
      if (!S.equal(r.out.shape, [x.shape[0]!, ...l.outShape]))
        throw new ShapeError(`residual: layer '${n}' (${l.spec.kind}) gave ${S.show(r.out.shape)}, its record says ${show(l.outShape)}`)
      h = r.out
      for (const [k, e] of Object.entries(r.state ?? {})) state[leafOf(n, k)] = e
    }
    return { out: ops.add(x, h), state }
  },
  inference: (o, s, env) => {
    const forms = plan(o, s, env).map((l) => ({ l, f: l.def.inference(l.spec, l.inShape, env) }))
    if (forms.every(({ f }) => f === 'keep')) return 'keep'
    const layers: LayerSpec[] = []
    for (const { l, f } of forms) if (f !== 'drop') layers.push(f === 'keep' ? l.spec : { ...(f as object), kind: l.spec.kind, name: l.spec.name })
    return { layers }
  },
  describe: (o, s, env) => {
    const inner = plan(o, s, env)
    return `residual x + f(x), f: ${inner.length === 0 ? 'identity' : inner.map((l) => l.def.describe(l.spec, l.inShape, env)).join(' → ')}`
  },
  example: { options: { layers: [dense(3, 3), tanh, dropout({ keep: 0.8 }), dense(3, 3)] }, inShape: [3] },
})
