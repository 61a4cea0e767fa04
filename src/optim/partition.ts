/**
 * Optimizers over parts of the parameters, in optax's shape (optax.masked, optax.multi_transform,
 * optax.set_to_zero): freezing layers and per-layer learning rates as records, not as flags of
 * the training loop.
 *
 *   const labels = (name: string) => (name.startsWith('conv') ? 'frozen' : 'train')
 *   multiTransform({ train: adam(1e-3), frozen: setToZero() }, labels)        // freeze the convolutions
 *   multiTransform({ train: adam(1e-3), slow: chain(adam(1e-3), scale(0.1)) }, labels)   // ×0.1 learning rate
 *
 * Each inner transformation sees only its own parameters (its state is made by `init` on that
 * part), so Adam's moments of a frozen layer are never allocated. Labels and masks are a record
 * naming every parameter, or a function of the parameter's name; a parameter left out, a name the
 * parameters lack, or a label with no transformation is a SymgradError naming it (nothing falls
 * through to a default). States are plain data: a record of the inner states by label.
 */
import { SymgradError } from '../core/errors.js'
import type { Tensor } from '../core/Tensor.js'
import type { GradientTransformation, PlainState } from './GradientTransformation.js'
import * as P from './params.js'
import type { Params } from './params.js'

/** Per parameter: a record naming every one, or a function of the name. */
export type PerParam<A> = Readonly<Record<string, A>> | ((name: string) => A)

function valueFor<A>(where: string, what: string, f: PerParam<A>, name: string): A {
  if (typeof f === 'function') return f(name)
  if (!Object.hasOwn(f, name)) throw new SymgradError('value', `${where}: no ${what} for parameter '${name}' (the record names ${Object.keys(f).join(', ') || 'nothing'})`)
  return f[name]!
}

/** A record of labels or mask bits must name exactly the parameters it is used with. */
function checkNames(where: string, what: string, f: PerParam<unknown>, p: Params): void {
  if (typeof f === 'function') return
  for (const k of Object.keys(f)) if (!Object.hasOwn(p, k)) throw new SymgradError('value', `${where}: the ${what} record names '${k}', which is not a parameter (parameters: ${P.keys(p).join(', ') || 'none'})`)
}

function pick(p: Params, names: readonly string[]): Params {
  const out: Record<string, Tensor> = {}
  for (const k of names) out[k] = p[k]!
  return out
}

/** The updates of a part laid over the pass-through ones, with a check that the part gave exactly its own keys. */
function merge(where: string, base: Params, part: Params, names: readonly string[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = { ...base }
  for (const k of names) {
    if (!Object.hasOwn(part, k)) throw new SymgradError('value', `${where}: the inner transformation gave no update for '${k}'`)
    out[k] = part[k]!
  }
  return out
}

/**
 * `inner` on the parameters whose mask is true; every other parameter's update passes through
 * unchanged (optax semantics: the incoming update, NOT zero — to freeze, use
 * `multiTransform({ …, frozen: setToZero() })`). The state is `inner`'s state on the masked part.
 */
export function masked<S extends PlainState>(inner: GradientTransformation<S>, mask: PerParam<boolean>): GradientTransformation<S> {
  const where = 'masked'
  const part = (p: Params) => {
    checkNames(where, 'mask bit', mask, p)
    return P.keys(p).filter((k) => valueFor(where, 'mask bit', mask, k))
  }
  return {
    init: (params) => inner.init(pick(params, part(params))),
    update: (grads, state, params) => {
      const names = part(grads)
      const [u, s] = inner.update(pick(grads, names), state, pick(params, names))
      return [merge(where, grads, u, names), s]
    },
  }
}

/** The state of a multiTransform: each label's inner state, by label. */
export type MultiState<L extends string> = { readonly [K in L]: PlainState }

/**
 * Each parameter goes to the transformation of its label; the state holds every label's state
 * (a label no parameter carries keeps the state of an empty part).
 */
export function multiTransform<L extends string>(
  transforms: { readonly [K in L]: GradientTransformation<PlainState> }, labels: PerParam<string>,
): GradientTransformation<MultiState<L>> {
  const where = 'multiTransform'
  const names = Object.keys(transforms) as L[]
  const groups = (p: Params): Record<L, string[]> => {
    checkNames(where, 'label', labels, p)
    const g = Object.fromEntries(names.map((l) => [l, [] as string[]])) as Record<L, string[]>
    for (const k of P.keys(p)) {
      const l = valueFor(where, 'label', labels, k)
      if (typeof l !== 'string' || !Object.hasOwn(transforms, l))
        throw new SymgradError('value', `${where}: parameter '${k}' has label ${JSON.stringify(l)}, which has no transformation (labels: ${names.join(', ')})`)
      g[l as L].push(k)
    }
    return g
  }
  return {
    init: (params) => {
      const g = groups(params)
      return Object.fromEntries(names.map((l) => [l, transforms[l].init(pick(params, g[l]))])) as MultiState<L>
    },
    update: (grads, state, params) => {
      const g = groups(grads)
      const out: Record<string, Tensor> = {}
      const next: Record<string, PlainState> = {}
      for (const l of names) {
        if (!Object.hasOwn(state, l)) throw new SymgradError('value', `${where}: the state has no entry for label '${l}' (it has ${Object.keys(state).join(', ')})`)
        const [u, s] = transforms[l].update(pick(grads, g[l]), state[l], pick(params, g[l]))
        Object.assign(out, merge(where, {}, u, g[l]))
        next[l] = s
      }
      return [pick(out, P.keys(grads)), next as MultiState<L>]
    },
  }
}

/**
 * Every update −0: the parameters stay exactly where they are. −0 rather than +0 because x + (−0)
 * is x bit for bit for every x, −0 included, while −0 + 0 is +0. The state is the empty tuple.
 */
export function setToZero(): GradientTransformation<readonly []> {
  return {
    init: () => [],
    update: (grads, s) => [P.map(grads, (t) => ({ shape: t.shape, data: new Float64Array(t.data.length).fill(-0) })), s],
  }
}
