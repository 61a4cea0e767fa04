/**
 * Laws of an optimizer kind (an OptimizerDef), taken like an op's: `assertOptimizerLaws(def)`,
 * `optimizerLaws(def)` (named properties) or `optimizerLawsProperty(def)` (one property for your own
 * test file); the built-ins are enrolled from their registry (test/optim-laws.test.ts).
 *
 * - purity: `init` and `update` never write their arguments (params, gradients and state are
 *   deep-frozen with immer, and every tensor's data is compared bit for bit after the calls), and
 *   the same inputs give the same updates and state;
 * - zeroGradient: from a fresh state, zero gradients give exactly zero updates for every step, so
 *   a point where the gradient vanishes stays put (at x = 0 only for a kind that declares
 *   `zeroGradientMoves`, e.g. AdamW's decoupled weight decay);
 * - resume: n updates in one go equal k updates, the state written as a checkpoint writes it (JSON
 *   text) and read back, then n − k more: the same updates and state, bit for bit. This also
 *   proves the state is plain data;
 * - graphForm: for a transformation with a graph form (optim/graphForm.ts), the form evaluated
 *   on numbers gives the same updates and state as `update`, bit for bit, step after step (the
 *   compiled training step runs the form; train-fused tests check it compiled);
 * - frozen: the kind behind `multiTransform({ train: kind, frozen: setToZero() }, labels)` with
 *   some tensors labelled frozen (their first entry −0): after every step the frozen tensors keep
 *   their bits exactly, and the trained ones are bit for bit the kind run alone on them.
 *
 * The first three laws hold for any transformation (`transformationLaws(name, build)`: masked,
 * multiTransform, setToZero and learning-rate multipliers are enrolled that way); `frozen` is
 * about an optimizer kind placed in a partition, and is enrolled for every record.
 *
 * Draws: 1–3 parameter tensors of up to 2×3 values, 1–6 gradient steps, a learning rate in
 * [1e-3, 0.5] and the kind's default hyperparameters.
 */
import fc from 'fast-check'
import { freeze } from 'immer'
import * as E from 'fp-ts/lib/Either.js'
import type { Tensor } from '../src/core/Tensor.js'
import type { Params } from '../src/core/Params.js'
import type { GradientTransformation, PlainState } from '../src/optim/GradientTransformation.js'
import type { AnyOptimizerDef, OptimizerRegistry } from '../src/optim/OptimizerDef.js'
import { optimizerOf } from '../src/optim/OptimizerDef.js'
import { PlainC } from '../src/records/checkpoint.js'
import { applyUpdates } from '../src/optim/GradientTransformation.js'
import { multiTransform, setToZero } from '../src/optim/partition.js'
import { updateByGraph } from '../src/optim/graphForm.js'

/** The name of an optimizer law: purity, zeroGradient, resume, graphForm, frozen. */
export type OptimizerLawName = 'purity' | 'zeroGradient' | 'resume' | 'graphForm' | 'frozen'

/** Every optimizer law. */
export const allOptimizerLaws: readonly OptimizerLawName[] = ['purity', 'zeroGradient', 'resume', 'graphForm', 'frozen']

/** The laws any transformation obeys (frozen is about a kind inside a partition). */
export type TransformationLawName = Exclude<OptimizerLawName, 'frozen'>
/** The laws every gradient transformation obeys (frozen concerns a kind inside a partition). */
export const transformationLawNames: readonly TransformationLawName[] = ['purity', 'zeroGradient', 'resume', 'graphForm']

/** Options of the optimizer laws: runs per property, seed, which laws. */
export interface OptimizerLawOptions {
  /** Runs per property, default 25. */
  readonly numRuns?: number
  /** fast-check seed, for reproducing a failure. */
  readonly seed?: number
  /** Only these laws (default: all). */
  readonly laws?: readonly OptimizerLawName[]
}

/** What an optimizer law draws: parameters, a gradient sequence, a learning rate. */
export interface OptimizerDraw {
  readonly x: Params
  readonly grads: readonly Params[]
  readonly lr: number
  /** Where the resume law stops and restarts (modulo the number of steps + 1). */
  readonly cut: number
}

/** A fast-check property of one optimizer law, with its name. */
export interface OptimizerProperty {
  /** e.g. `adam: resume` */
  readonly name: string
  readonly law: OptimizerLawName
  readonly property: fc.IProperty<[OptimizerDraw]>
  /** Parameters to pass to `fc.assert` / `fc.check`. */
  readonly params: fc.Parameters<[OptimizerDraw]>
}

const shapes: readonly (readonly number[])[] = [[1], [3], [2, 3], [2, 1]]

/** A record of 1–3 tensors, its gradients for 1–6 steps, and a learning rate. */
export const optimizerDrawArb: fc.Arbitrary<OptimizerDraw> = fc
  .tuple(fc.array(fc.constantFrom(...shapes), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 6 }))
  .chain(([ss, steps]) => {
    const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)
    const tensor = (s: readonly number[]) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: size(s), maxLength: size(s) }).map((v): Tensor => ({ shape: s, data: Float64Array.from(v) }))
    const record = fc.tuple(...ss.map(tensor)).map((ts) => Object.fromEntries(ts.map((t, i) => [`p${i}`, t])) as Params)
    return fc.record({ x: record, grads: fc.array(record, { minLength: steps, maxLength: steps }), lr: fc.double({ min: 1e-3, max: 0.5, noNaN: true }), cut: fc.nat() })
  })

const copyData = (p: Params): Record<string, Float64Array> => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, Float64Array.from(t.data)]))

function sameData(a: Params, b: Readonly<Record<string, Float64Array>>): boolean {
  return Object.keys(b).every((k) => a[k]!.data.length === b[k]!.length && a[k]!.data.every((v, i) => Object.is(v, b[k]![i])))
}

/** Bit-exact text of plain data (numbers through the checkpoint encoding, so NaN and -0 are told apart). */
const text = (v: unknown): string => JSON.stringify(PlainC.encode(v as PlainState))

function tensorsOf(v: unknown, out: Tensor[] = []): Tensor[] {
  if (typeof v !== 'object' || v === null) return out
  if ((v as Tensor).data instanceof Float64Array) return (out.push(v as Tensor), out)
  for (const x of Array.isArray(v) ? v : Object.values(v)) tensorsOf(x, out)
  return out
}

function runAll(opt: GradientTransformation<PlainState>, x: Params, grads: readonly Params[], s0: PlainState): { updates: Params[]; state: PlainState } {
  let s = s0
  const updates: Params[] = []
  for (const g of grads) {
    const [u, s2] = opt.update(g, s, x)
    updates.push(u)
    s = s2
  }
  return { updates, state: s }
}

function check(name: string, body: () => string | undefined): void {
  let m: string | undefined
  try {
    m = body()
  } catch (e) {
    m = `threw: ${e instanceof Error ? e.message : String(e)}`
  }
  if (m !== undefined) throw new Error(`${name}: ${m}`)
}

/** The laws of one kind as named fast-check properties. */
export function optimizerLaws(def: AnyOptimizerDef, o: OptimizerLawOptions = {}): OptimizerProperty[] {
  const build = (lr: number) => optimizerOf({ kind: def.name, learningRate: lr }, { registries: { optimizers: new Map([[def.name, def]]) as OptimizerRegistry } })
  const params = { numRuns: o.numRuns ?? 25, ...(o.seed !== undefined ? { seed: o.seed } : {}) }
  const general = transformationLaws(def.name, build, { ...o, laws: (o.laws ?? allOptimizerLaws).filter((l): l is TransformationLawName => l !== 'frozen') }, def.zeroGradientMoves)
  const frozen = (o.laws ?? allOptimizerLaws).includes('frozen') ? [{ name: `${def.name}: frozen`, law: 'frozen' as const, property: frozenLaw(def.name, build), params }] : []
  return [...general, ...frozen]
}

/** Which tensors of a draw are frozen: bit i of `cut` for p_i. */
const isFrozen = (d: OptimizerDraw, k: string): boolean => ((d.cut >> Number(k.slice(1))) & 1) === 1

/** The frozen law of a kind built by `build` (see the module note). */
export function frozenLaw(
  name: string, build: (lr: number) => GradientTransformation<PlainState>, freeze: GradientTransformation<PlainState> = setToZero(),
): fc.IProperty<[OptimizerDraw]> {
  return fc.property(optimizerDrawArb, (d) =>
    check(`${name}: frozen`, () => {
      // a frozen tensor starts with −0 (x + 0 would turn it into +0)
      const x0: Params = Object.fromEntries(Object.entries(d.x).map(([k, t]) => [k, isFrozen(d, k) ? { shape: t.shape, data: Float64Array.from(t.data, (v, i) => (i === 0 ? -0 : v)) } : t]))
      const label = (k: string) => (isFrozen(d, k) ? 'frozen' : 'train')
      const opt = multiTransform({ train: build(d.lr), frozen: freeze }, label)
      const alone = build(d.lr)
      const trained = (p: Params) => Object.fromEntries(Object.entries(p).filter(([k]) => !isFrozen(d, k)))
      let [x, s] = [x0, opt.init(x0)]
      let [y, sa] = [trained(x0), alone.init(trained(x0))]
      for (const [i, g] of d.grads.entries()) {
        const [u, s2] = opt.update(g, s, x)
        const [ua, sa2] = alone.update(trained(g), sa, y)
        ;[x, s, y, sa] = [applyUpdates(x, u), s2, applyUpdates(y, ua), sa2]
        for (const k of Object.keys(x0)) {
          const want = isFrozen(d, k) ? x0[k]!.data : y[k]!.data
          const j = x[k]!.data.findIndex((v, m) => !Object.is(v, want[m]))
          const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v))
          if (j >= 0) return `step ${i}: ${isFrozen(d, k) ? 'frozen' : 'trained'} '${k}'[${j}] is ${show(x[k]!.data[j]!)}, expected ${show(want[j]!)}${isFrozen(d, k) ? ' (its bits before training)' : ` (the kind alone on the trained part)`}`
        }
      }
      return undefined
    }),
  )
}

/** The laws every transformation obeys (purity, zero gradients, resumption), for a builder of it from a learning rate. */
export function transformationLaws(
  name: string, build: (lr: number) => GradientTransformation<PlainState>, o: Omit<OptimizerLawOptions, 'laws'> & { readonly laws?: readonly TransformationLawName[] } = {}, zeroGradientMoves?: string,
): OptimizerProperty[] {
  const def = { name, zeroGradientMoves }
  const params = { numRuns: o.numRuns ?? 25, ...(o.seed !== undefined ? { seed: o.seed } : {}) }
  const props: Record<TransformationLawName, fc.IProperty<[OptimizerDraw]>> = {
    purity: fc.property(optimizerDrawArb, (d) =>
      check(`${def.name}: purity`, () => {
        const opt = build(d.lr)
        const x = freeze(d.x, true)
        const grads = d.grads.map((g) => freeze(g, true))
        const [xData, gData] = [copyData(x), grads.map(copyData)]
        const s0 = freeze(opt.init(x), true)
        const s0Tensors = tensorsOf(s0).map((t) => Float64Array.from(t.data))
        const a = runAll(opt, x, grads, s0)
        const b = runAll(opt, x, grads, s0)
        if (!sameData(x, xData)) return 'update wrote the parameters'
        if (!grads.every((g, i) => sameData(g, gData[i]!))) return 'update wrote the gradients'
        if (!tensorsOf(s0).every((t, i) => t.data.every((v, j) => Object.is(v, s0Tensors[i]![j])))) return 'update wrote the state it was given'
        if (text(a.updates) !== text(b.updates) || text(a.state) !== text(b.state)) return 'the same inputs gave different updates or state'
        return undefined
      }),
    ),
    zeroGradient: fc.property(optimizerDrawArb, (d) =>
      check(`${def.name}: zeroGradient`, () => {
        const opt = build(d.lr)
        const x = def.zeroGradientMoves === undefined ? d.x : Object.fromEntries(Object.entries(d.x).map(([k, t]) => [k, { shape: t.shape, data: new Float64Array(t.data.length) }]))
        const zero = Object.fromEntries(Object.entries(x).map(([k, t]) => [k, { shape: t.shape, data: new Float64Array(t.data.length) }])) as Params
        const { updates } = runAll(opt, x, d.grads.map(() => zero), opt.init(x))
        for (const [i, u] of updates.entries())
          for (const [k, t] of Object.entries(u)) {
            const j = t.data.findIndex((v) => v !== 0)
            if (j >= 0) return `step ${i}: zero gradients gave update ${t.data[j]} at ${k}[${j}]${def.zeroGradientMoves !== undefined ? ' (at x = 0)' : ''}`
          }
        return undefined
      }),
    ),
    resume: fc.property(optimizerDrawArb, (d) =>
      check(`${def.name}: resume`, () => {
        const opt = build(d.lr)
        const k = d.cut % (d.grads.length + 1)
        const whole = runAll(opt, d.x, d.grads, opt.init(d.x))
        const first = runAll(opt, d.x, d.grads.slice(0, k), opt.init(d.x))
        const saved = PlainC.decode(JSON.parse(JSON.stringify(PlainC.encode(first.state))))
        if (E.isLeft(saved)) return 'the state does not read back as plain data'
        const rest = runAll(opt, d.x, d.grads.slice(k), saved.right)
        if (text([...first.updates, ...rest.updates]) !== text(whole.updates)) return `updates after resuming at step ${k} differ from the uninterrupted run`
        if (text(rest.state) !== text(whole.state)) return `the state after resuming at step ${k} differs from the uninterrupted run`
        return undefined
      }),
    ),
    graphForm: fc.property(optimizerDrawArb, (d) =>
      check(`${def.name}: graphForm`, () => {
        const opt = build(d.lr)
        if (opt.graph === undefined) return undefined
        let [s, t] = [opt.init(d.x), opt.init(d.x)]
        for (const [i, g] of d.grads.entries()) {
          const [u, s2] = opt.update(g, s, d.x)
          const [v, t2] = updateByGraph(opt.graph, g, t, d.x)
          if (text(u) !== text(v)) return `step ${i}: the graph form's updates differ from update's`
          if (text(s2) !== text(t2)) return `step ${i}: the graph form's state differs from update's`
          ;[s, t] = [s2, t2]
        }
        return undefined
      }),
    ),
  }
  return (o.laws ?? transformationLawNames).map((law) => ({ name: `${def.name}: ${law}`, law, property: props[law], params }))
}

/**
 * Every law of one kind as one fast-check property, for a test file of your own:
 * `it('lion', () => fc.assert(optimizerLawsProperty(lion), { numRuns: 25 }))`. A failure names the
 * first law failing on the draw.
 */
export function optimizerLawsProperty(def: AnyOptimizerDef, o: Pick<OptimizerLawOptions, 'laws'> = {}): fc.IProperty<[OptimizerDraw]> {
  const props = optimizerLaws(def, o)
  return fc.property(optimizerDrawArb, (d) => {
    for (const p of props) {
      const r = p.property.run([d])
      if (r !== null && 'error' in r) throw r.error
    }
  })
}

/** Runs every law of one kind; throws one message listing the failures (like `assertOpLaws(op)`). */
export function assertOptimizerLaws(def: AnyOptimizerDef, o: OptimizerLawOptions = {}): void {
  const bad: string[] = []
  for (const p of optimizerLaws(def, o)) {
    const r = fc.check(p.property, p.params)
    if (r.failed) bad.push(`${r.errorInstance instanceof Error ? r.errorInstance.message : p.name}\n${fc.defaultReportMessage(r) ?? ''}`)
  }
  if (bad.length > 0) throw new Error(bad.join('\n\n'))
}
