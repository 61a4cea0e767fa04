/**
 * Checkpoints: a whole training run as one JSON document, decoded with io-ts and checked against
 * the model it claims to be of. Pure and browser-safe; `files.ts` saves and loads it (through io/atomic.ts).
 *
 *   { "format": "symgrad-checkpoint", "version": 1,
 *     "spec":   the model spec (spec.ts),
 *     "run":    the run config (runConfig.ts, the one shape of a run: data, optimizer, schedule,
 *               seed, batch size, …; optional for a checkpoint made by code with its own optimizer),
 *     "input":  how rows were made from images, { image: [H, W, C], scale } (optional; data/pixels.ts),
 *     "state":  { params, modelState, optState, key, step, epoch, batch, history, status, nonFinite?, best? } }
 *
 * `state` is src/train's TrainState: the schedule position is `step` (and each optimizer link's
 * `count`), the PRNG position is the root `key` plus `step`/`epoch`/`batch` (every draw is derived
 * from them), so loading and continuing is bit-for-bit the uninterrupted run. Tensors are base64
 * little-endian float64 and single numbers JSON numbers or "NaN"/"Infinity"/"-Infinity"/"-0"
 * (floats.ts). The optimizer state (any chain) is written as plain data: numbers as in a history,
 * `{ "$num": "NaN" }` for the special ones, `{ "$tensor": { shape, f64le } }` for tensors.
 *
 * Version-1 files written before the run config became the one shape also hold a `config` (the
 * same run in an older nested form): it is accepted and not read — the `run` beside it says the same.
 *
 * Refused on save: non-finite parameters (a diverged run must not overwrite a good checkpoint).
 * Refused on load: another format or version, params or state that do not fit the spec, an optimizer
 * state that does not fit the configured optimizer, and a spec other than the expected one.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { SymgradError } from '../core/errors.js'
import { bareName, decodeWith, describe, isRecord, listOf, NonNegativeInt, oneOf, own, PositiveInt, PositiveNumber, quote, quoteName, recordOf, struct, Uint32 } from '../core/codecs.js'
import * as Sh from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { tensorProblem } from '../core/Tensor.js'
import type { Model, ModelSpec } from '../nn/model.js'
import { fromSpec } from '../nn/model.js'
import type { GradientTransformation, PlainState } from '../optim/GradientTransformation.js'
import type { OptimizerRegistries } from '../optim/OptimizerDef.js'
import type { History, TrainState } from '../train/TrainState.js'
import { AnyNumber, FiniteTensorC, NumBox, TensorC } from '../io/codecs.js'
import type { PixelInput } from '../data/pixels.js'
import { decodeRunConfig, encodeRunConfig } from './runConfig.js'
import { buildOptimizer, defaultRunConfig, type RunConfig } from '../train/config.js'
import { decodeFloat64, encodeFloat64, encodeNumber, encodeTensor } from '../io/floats.js'
import { HISTORY_POINTS } from '../io/checkpointSize.js'
import { checkLayerKinds, diffSpecs, encodeSpec, formatDiff, ModelSpecC, modelSpecCodec, specFromJson, type SpecOptions } from './spec.js'
import { builtinLayerRegistries } from '../nn/builtinLayers.js'
import type { LayerRegistries } from '../nn/LayerDef.js'

/** The `format` field of a checkpoint file. */
export const CHECKPOINT_FORMAT = 'symgrad-checkpoint'
/** The checkpoint format version written (and read). */
export const CHECKPOINT_VERSION = 1

// ── optimizer state as plain JSON ────────────────────────────────────────────────────────────

type Plain = number | string | boolean | null | Tensor | readonly Plain[] | { readonly [k: string]: Plain }

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as Tensor).data instanceof Float64Array
}

function encodePlain(v: unknown, path: string): unknown {
  if (typeof v === 'number') {
    const n = encodeNumber(v)
    return typeof n === 'number' ? n : { $num: n }
  }
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v
  if (isTensor(v)) return { $tensor: encodeTensor(v) }
  if (Array.isArray(v)) return v.map((x, i) => encodePlain(x, `${path}[${i}]`))
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k.startsWith('$')) throw new SymgradError('value', `${path}.${k}: field names starting with '$' are reserved in checkpoints`)
      out[k] = encodePlain(x, `${path}.${k}`)
    }
    return out
  }
  throw new SymgradError('value', `${path}: expected plain data (numbers, strings, arrays, records, tensors), got ${typeof v}`)
}

const TensorBox = struct('{ $tensor }', { $tensor: TensorC })

/** Optimizer state: plain data with tagged tensors and special numbers. */
export const PlainC: t.Type<Plain, unknown, unknown> = t.recursion('plain data', () =>
  new t.Type<Plain, unknown, unknown>(
    'plain data (numbers, strings, booleans, null, lists, records, { $num }, { $tensor })',
    (u): u is Plain => true,
    (u, c) => {
      if (u === null || typeof u === 'number' || typeof u === 'string' || typeof u === 'boolean') return t.success(u)
      if (Array.isArray(u)) return listOf(PlainC).validate(u, c)
      if (typeof u !== 'object') return t.failure(u, c)
      const rec = u as Record<string, unknown>
      if (Object.hasOwn(rec, '$num')) return NumBox.validate(u, c)
      if (Object.hasOwn(rec, '$tensor')) {
        const b = TensorBox.validate(u, c)
        return E.isLeft(b) ? b : t.success(b.right.$tensor)
      }
      return recordOf(PlainC).validate(u, c)
    },
    (v) => encodePlain(v, 'optState'),
  ),
)

// ── the state ────────────────────────────────────────────────────────────────────────────────

const Params = recordOf(FiniteTensorC, 'a record of tensors')
const NumberList = listOf(AnyNumber, 'a list of numbers')
/**
 * A list of numbers decoded into a fresh array filled by push, so V8 stores it as packed doubles.
 * The array JSON.parse makes for a list holding "NaN" (a bias's first update ratio is 0/0) has
 * tagged elements, which io-ts's copy keeps: every number then a separate heap object, and the
 * training loop's copies and pushes keep that representation for the rest of the run.
 */
const Numbers = new t.Type<readonly number[], unknown, unknown>(
  NumberList.name,
  NumberList.is,
  (u, c) => {
    const r = NumberList.validate(u, c)
    if (E.isLeft(r)) return r
    const out: number[] = []
    for (const x of r.right) out.push(x)
    return t.success(out)
  },
  NumberList.encode,
)
/**
 * A per-step list: written as `{ "f64le": base64 }` (little-endian float64, exact, NaN and ±∞
 * included: about 11 characters a number where JSON takes up to 24); a plain JSON list of numbers,
 * as older checkpoints hold, is read too.
 */
const StepList = new t.Type<readonly number[], { readonly f64le: string }, unknown>(
  'a list of numbers or { f64le: base64 }',
  (u): u is readonly number[] => Numbers.is(u),
  (u, c) => {
    if (Array.isArray(u)) return Numbers.validate(u, c)
    if (isRecord(u) && Object.keys(u).length === 1 && typeof own(u, 'f64le') === 'string') {
      const d = decodeFloat64(own(u, 'f64le') as string)
      return typeof d === 'string' ? t.failure(u, c, d) : t.success(Array.from(d))
    }
    return t.failure(u, c)
  },
  (xs) => ({ f64le: encodeFloat64(Float64Array.from(xs)) }),
)
const HistoryC = struct('a history', {
  loss: StepList,
  dataLoss: StepList,
  learningRate: StepList,
  ratio: recordOf(StepList, 'a record of number lists'),
  epochs: listOf(
    struct('an epoch record', { epoch: NonNegativeInt, step: NonNegativeInt, meanLoss: AnyNumber, trainAccuracy: AnyNumber }, { validationAccuracy: AnyNumber }),
    'a list of epoch records',
  ),
}, { every: PositiveInt })

/**
 * The history a checkpoint keeps: every epoch record, and the per-step lists thinned to at most
 * HISTORY_POINTS points by keeping the steps that are multiples of a power-of-two stride (a
 * multiple of the history's own `every`), so a run continued from the file and saved again keeps
 * the same steps as the uninterrupted run.
 */
export function compactHistory(h: History): History {
  const every = h.every ?? 1
  let k = 1
  while (Math.ceil(h.loss.length / k) > HISTORY_POINTS) k *= 2
  if (k === 1) return h
  const thin = (xs: readonly number[]) => xs.filter((_, i) => i % k === 0)
  const ratio = Object.fromEntries(Object.entries(h.ratio).map(([n, xs]) => [n, thin(xs)]))
  return { loss: thin(h.loss), dataLoss: thin(h.dataLoss), learningRate: thin(h.learningRate), ratio, epochs: h.epochs, every: every * k }
}

/** The codec of a training state in a checkpoint. */
export const TrainStateC = struct(
  'a training state',
  {
    params: Params,
    modelState: Params,
    optState: PlainC,
    key: t.readonly(t.tuple([Uint32, Uint32], 'a key [uint32, uint32]')),
    step: NonNegativeInt,
    epoch: NonNegativeInt,
    batch: NonNegativeInt,
    history: HistoryC,
    status: oneOf(['running', 'done', 'nonFinite', 'earlyStopped']),
  },
  {
    nonFinite: struct('a non-finite stop', { step: NonNegativeInt, epoch: NonNegativeInt, batch: NonNegativeInt, where: t.string, value: AnyNumber, learningRate: AnyNumber, message: t.string }, { origin: t.string }),
    best: struct('the best state', { validationAccuracy: AnyNumber, epoch: NonNegativeInt, params: Params, modelState: Params }),
  },
)
// t.TypeOf of the codec is a TrainState: checked here at compile time
const _isTrainState = (s: t.TypeOf<typeof TrainStateC>): TrainState => s
void _isTrainState

/** How the model's input rows were made from images (data/pixels.ts): `{ "image": [28, 28, 1], "scale": 255 }`. */
export const PixelInputC = struct('an input record', {
  image: t.readonly(t.tuple([PositiveInt, PositiveInt, PositiveInt], 'an image shape [H, W, C]')),
  scale: PositiveNumber,
})

const Header = t.type({ format: t.unknown, version: t.unknown })
/** The document with layers of the kinds in `o.registries`; `run` is decoded afterwards against the registries in use (decodeRunConfig). */
export function checkpointCodec(o: SpecOptions = {}) {
  const layers = o.registries?.layers
  return struct(
    'a checkpoint',
    { format: t.literal(CHECKPOINT_FORMAT), version: t.literal(CHECKPOINT_VERSION), spec: layers === undefined || layers === builtinLayerRegistries.layers ? ModelSpecC : modelSpecCodec(o), state: TrainStateC },
    { config: recordOf(t.unknown, 'a record (an older nested config, not read)'), run: recordOf(t.unknown, 'a run config'), input: PixelInputC },
  )
}
/** The document, with built-in layer kinds. */
export const CheckpointC = checkpointCodec()

/** What a checkpoint holds: the model spec, the training state, and optionally the run config and input record. */
export interface Checkpoint {
  readonly spec: ModelSpec
  /** The run (data, optimizer, schedule, seed, …) the checkpoint continues with. */
  readonly run?: RunConfig
  readonly state: TrainState
  /** How the input rows were made from images (what `symgrad predict` does to a PNG); absent for other data. */
  readonly input?: PixelInput
}

/** A decoded checkpoint: its spec, the model rebuilt from it, the state, and the run and input record when present. */
export interface Loaded extends Checkpoint {
  /** The model rebuilt from the spec. */
  readonly model: Model
  /** One line to show whoever uses the model (a checkpoint from before preprocessing was a layer: its inputs need preprocessing by hand). */
  readonly note?: string
}

/** The data sets whose loaders give 28×28 grey images with entries byte / 255 (runner/data.ts). */
const packagedImages: ReadonlySet<string> = new Set(['mnist', 'fashion', 'mnist-sample'])

/**
 * How a loaded checkpoint's inputs are made from images: its `input` record, else (a checkpoint
 * written before inputs were recorded) what its run's packaged data set's loader did, with a note
 * saying so; undefined when neither says (rows from a CSV file, or no run).
 */
export function pixelInputOf(c: Pick<Checkpoint, 'input' | 'run'>): { readonly input: PixelInput; readonly note?: string } | undefined {
  if (c.input !== undefined) return { input: c.input }
  if (c.run === undefined || !packagedImages.has(c.run.data)) return undefined
  return { input: { image: [28, 28, 1], scale: 255 }, note: `the checkpoint records no input (written before inputs were recorded); its run's data ${quote(c.run.data)} was 28×28 grey images with x = byte/255` }
}

/**
 * The note of a checkpoint written before preprocessing became the model's first layer: its run
 * names a preprocessing that none of its layers does, and its statistics are in no file.
 */
export function preprocessingNote(run: RunConfig | undefined, model: Model, root = 'checkpoint'): string | undefined {
  if (run === undefined || run.preprocess === 'none' || model.layers.some((l) => l.def.fit !== undefined)) return undefined
  return `${root}: written before preprocessing was a layer: its run preprocessed the data with ${run.preprocess} (fitted on the training split of ${quote(run.data)}), which its model does not hold, so its inputs must be preprocessed by hand the same way (retrain to get a model that takes raw inputs)`
}

const fail = (m: string): Either<SymgradError, never> => E.left(new SymgradError('decode', m))

/** Left naming the first tensor whose name or shape differs from what the model needs. */
function checkShapes(got: Readonly<Record<string, Tensor>>, want: Readonly<Record<string, readonly number[]>>, at: string): Either<SymgradError, true> {
  const names = (r: object) => {
    const ks = Object.keys(r)
    return ks.length === 0 ? 'none' : ks.length > 6 ? `${ks.slice(0, 6).map(bareName).join(', ')}, … (${ks.length})` : ks.map(bareName).join(', ')
  }
  for (const k of Object.keys(want)) {
    const g = Object.hasOwn(got, k) ? got[k] : undefined
    if (g === undefined) return fail(`${at}: missing ${quoteName(k)} (the model needs ${Sh.show(want[k]!)}; the checkpoint has ${names(got)})`)
    if (!Sh.equal(g.shape, want[k]!)) return fail(`${at}[${quoteName(k)}]: expected shape ${Sh.show(want[k]!)} for this model, got ${Sh.show(g.shape)}`)
  }
  for (const k of Object.keys(got)) if (!Object.hasOwn(want, k)) return fail(`${at}: ${quoteName(k)} is not a tensor of this model (it has ${names(want)})`)
  return E.right(true)
}

/**
 * Left at the first place where `got` differs from `want` (an optimizer's fresh state): in
 * structure (own fields only), in tensor shapes, or in range — every number and tensor entry must
 * be finite, and a `count` field (updates or averaged points so far) an integer in 0..maxCount
 * when maxCount is given (the run's step + 1).
 */
export function checkStructure(got: unknown, want: unknown, at: string, maxCount?: number): Either<SymgradError, true> {
  if (isTensor(want)) {
    if (!isTensor(got)) return fail(`${at}: expected a tensor ${Sh.show(want.shape)}, got ${describe(got)}`)
    if (!Sh.equal(got.shape, want.shape)) return fail(`${at}: expected shape ${Sh.show(want.shape)}, got ${Sh.show(got.shape)}`)
    const i = got.data.findIndex((x) => !Number.isFinite(x))
    return i < 0 ? E.right(true) : fail(`${at}: expected finite values, got ${got.data[i]} at flat index ${i}`)
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return fail(`${at}: expected a list of ${want.length}, got ${describe(got)}`)
    for (let i = 0; i < want.length; i++) {
      const r = checkStructure(got[i], want[i], `${at}[${i}]`, maxCount)
      if (E.isLeft(r)) return r
    }
    return E.right(true)
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof got !== 'object' || got === null || Array.isArray(got) || isTensor(got)) return fail(`${at}: expected a record of ${Object.keys(want).map((k) => `'${k}'`).join(', ') || 'no fields'}, got ${describe(got)}`)
    const g = got as Record<string, unknown>
    const w = want as Record<string, unknown>
    for (const k of Object.keys(w)) {
      if (!Object.hasOwn(g, k)) return fail(`${at}: missing field ${quoteName(k)}`)
      const r = checkStructure(g[k], w[k], `${at}[${quoteName(k)}]`, maxCount)
      if (E.isLeft(r)) return r
      const n = g[k]
      if (k === 'count' && typeof n === 'number' && !(Number.isSafeInteger(n) && n >= 0 && (maxCount === undefined || n <= maxCount)))
        return fail(`${at}['count']: expected an integer in 0..${maxCount ?? '2^53'}, got ${n}`)
    }
    for (const k of Object.keys(g)) if (!Object.hasOwn(w, k)) return fail(`${at}: unexpected field ${quoteName(k)} for this optimizer`)
    return E.right(true)
  }
  if (typeof got !== typeof want) return fail(`${at}: expected a ${typeof want}, got ${describe(got)}`)
  if (typeof got === 'number' && Number.isFinite(want) && !Number.isFinite(got)) return fail(`${at}: expected a finite number, got ${got}`)
  return E.right(true)
}

/** Left when a tensor of `p` holds NaN or ±Infinity, naming it. */
function checkFinite(p: Readonly<Record<string, Tensor>>, at: string): Either<SymgradError, true> {
  for (const [k, v] of Object.entries(p)) {
    // a tensor whose data disagrees with its shape would be written, and refused only when loaded
    const bad = tensorProblem(v)
    if (bad !== undefined) return E.left(new SymgradError('value', `refusing to save a checkpoint: ${at}[${quoteName(k)}] is not a tensor: ${bad}`))
    const i = v.data.findIndex((x) => !Number.isFinite(x))
    if (i >= 0) return E.left(new SymgradError('value', `refusing to save a checkpoint: ${at}[${quoteName(k)}] holds ${v.data[i]} at flat index ${i} (the run diverged; keep the last good checkpoint)`))
  }
  return E.right(true)
}

/** The JSON document of a checkpoint; Left (nothing written) if a parameter is not finite. */
export function encodeCheckpoint(c: Checkpoint): Either<SymgradError, unknown> {
  const best = c.state.best ? ([[c.state.best.params, 'best.params'], [c.state.best.modelState, 'best.modelState']] as const) : []
  for (const [p, at] of [[c.state.params, 'params'], [c.state.modelState, 'modelState'], ...best] as const) {
    const r = checkFinite(p, at)
    if (E.isLeft(r)) return r
  }
  try {
    const state = TrainStateC.encode({ ...c.state, history: compactHistory(c.state.history) } as t.TypeOf<typeof TrainStateC>)
    const doc = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, spec: encodeSpec(c.spec), ...(c.run ? { run: encodeRunConfig(c.run) } : {}), ...(c.input ? { input: PixelInputC.encode(c.input) } : {}), state }
    return E.right(doc)
  } catch (e) {
    return E.left(e instanceof SymgradError ? e : new SymgradError('value', `cannot encode checkpoint: ${e instanceof Error ? e.message : String(e)}`))
  }
}

/** What a checkpoint reads of a `Registries` value: layer kinds and inits (its spec), optimizer kinds (its run). */
export type CheckpointRegistries = LayerRegistries & OptimizerRegistries

/** How `decodeCheckpoint` checks a document: the expected model, the optimizer, the registries. */
export interface DecodeCheckpointOptions {
  /** Name of the document in messages (default 'checkpoint'). */
  readonly root?: string
  /** Refuse a checkpoint of any other model (the differences are named). */
  readonly spec?: ModelSpec
  /** The optimizer the run continues with (default: the one the checkpoint's run describes, if any). */
  readonly optimizer?: GradientTransformation<PlainState>
  /** The registries the spec's layer kinds and inits and the run's optimizer resolve through (default: the built-ins). */
  readonly registries?: CheckpointRegistries
}

/** A checkpoint from parsed JSON, with its model rebuilt and every tensor checked against it. */
export function decodeCheckpoint(u: unknown, o: DecodeCheckpointOptions = {}): Either<SymgradError, Loaded> {
  const root = o.root ?? 'checkpoint'
  if (!Header.is(u)) return decodeWith(CheckpointC, u, root) as Either<SymgradError, never>
  if (u.format !== CHECKPOINT_FORMAT) return fail(`${root}.format: expected "${CHECKPOINT_FORMAT}", got ${describe(u.format)} (not a symgrad checkpoint)`)
  if (u.version !== CHECKPOINT_VERSION)
    return fail(`${root}.version: unknown checkpoint format version ${describe(u.version)} (this symgrad reads version ${CHECKPOINT_VERSION})`)
  const registries = o.registries !== undefined ? { registries: o.registries } : {}
  const kinds = checkLayerKinds(isRecord(u) ? own(u, 'spec') : undefined, { root: `${root}.spec`, ...registries })
  if (E.isLeft(kinds)) return kinds
  const doc = decodeWith(o.registries === undefined ? CheckpointC : checkpointCodec(registries), u, root)
  if (E.isLeft(doc)) return doc
  const spec = specFromJson(doc.right.spec, { root: `${root}.spec`, ...registries })
  if (E.isLeft(spec)) return spec
  if (o.spec !== undefined) {
    const d = diffSpecs(o.spec, spec.right)
    if (d.length > 0)
      return fail(`${root}: a checkpoint of another model (${formatDiff(d.slice(0, 1)).replace(/^spec/, 'expected vs checkpoint: spec')}${d.length > 1 ? `, and ${d.length - 1} more difference${d.length > 2 ? 's' : ''}` : ''})`)
  }
  const model = fromSpec(spec.right, registries)
  if (E.isLeft(model)) return model
  const state: TrainState = doc.right.state
  for (const [p, want, at] of [
    [state.params, model.right.paramShapes, `${root}.state.params`],
    [state.modelState, model.right.stateShapes, `${root}.state.modelState`],
    // the best state is restored in place of the last one (train --best, export): checked the same way
    ...(state.best
      ? ([[state.best.params, model.right.paramShapes, `${root}.state.best.params`], [state.best.modelState, model.right.stateShapes, `${root}.state.best.modelState`]] as const)
      : []),
  ] as const) {
    const r = checkShapes(p, want, at)
    if (E.isLeft(r)) return r
  }
  // a saved run holds every field; the defaults only fill those of an older or hand-written one
  const decodedRun = doc.right.run === undefined ? undefined : decodeRunConfig(doc.right.run, { base: defaultRunConfig, root: `${root}.run`, ...registries })
  if (decodedRun !== undefined && E.isLeft(decodedRun)) return decodedRun
  const run = decodedRun?.right
  const opt = o.optimizer ?? (run ? buildOptimizer(run, 1, registries) : undefined)
  if (opt !== undefined) {
    const r = checkStructure(state.optState, opt.init(state.params), `${root}.state.optState`, state.step + 1)
    if (E.isLeft(r)) return E.left(new SymgradError('decode', `${r.left.message} (the optimizer state does not fit the configured optimizer)`))
  }
  const input = doc.right.input
  if (input !== undefined && input.image[0] * input.image[1] * input.image[2] !== model.right.in)
    return fail(`${root}.input.image: ${input.image.join('×')} images make rows of ${input.image[0] * input.image[1] * input.image[2]}, but the model takes rows of ${model.right.in}`)
  const note = preprocessingNote(run, model.right, root)
  return E.right({ spec: spec.right, ...(run ? { run } : {}), ...(input ? { input } : {}), state, model: model.right, ...(note !== undefined ? { note } : {}) })
}

/** Checkpoint → JSON text (Left: refused, see encodeCheckpoint). */
export function checkpointToText(c: Checkpoint): Either<SymgradError, string> {
  return E.map((d: unknown) => JSON.stringify(d))(encodeCheckpoint(c))
}

