/**
 * Fine-tuning as records: which layers are frozen and which learn at a multiple of the learning
 * rate, turned into an optimizer (optim/partition.ts) and the layer modes of the train step.
 *
 *   frozen layer      label 'frozen' → setToZero(): its parameters keep their bits; the layer runs
 *                     in inference mode (batch norm on its running statistics, which stay as they are)
 *   lrMult L = k      label '×k' → chain(optimizer, scale(k)): k times the update of the same
 *                     optimizer (exactly lr·k for SGD, Adam and momentum, whose updates are linear in lr)
 *   any other layer   label 'train' → the optimizer
 *
 * With clipping, the global norm is taken over the trained parameters only
 * (`masked(clipByGlobalNorm(c), not frozen)`): a frozen layer's gradient does not shrink the others'.
 * Layers are named as in the model (`conv0`, `dense0`); a leaf `L.local` belongs to layer `L`
 * (the text before its last '.', which `checkFineTune` verifies against the model's own records).
 */
import * as E from 'fp-ts/lib/Either.js'
import { SymgradError } from '../core/errors.js'
import type { LayerModes } from '../nn/model.js'
import type { AnyModel } from './programs.js'
import { transfer, type ModelValues, type TransferReport } from '../nn/transfer.js'
import type { Tensor } from '../core/Tensor.js'
import type { TrainState } from './TrainState.js'
import { initTrainState, type TrainConfig } from './loop.js'
import { leafOf } from '../nn/naming.js'
import type { GradientTransformation, PlainState } from '../optim/GradientTransformation.js'
import { chain } from '../optim/GradientTransformation.js'
import { masked, multiTransform, setToZero } from '../optim/partition.js'
import { clipByGlobalNorm, scale } from '../optim/transforms.js'

/** How a pretrained model is fine-tuned: layers frozen, learning-rate multipliers by layer. */
export interface FineTune {
  /** Layers whose parameters are not trained (and which run in inference mode). */
  readonly freeze?: readonly string[]
  /** Learning-rate multipliers by layer (e.g. `{ conv0: 0.1 }`). */
  readonly lrMult?: Readonly<Record<string, number>>
}

/** Whether a run fine-tunes anything (freezes a layer or scales one's learning rate). */
export function isFineTune(f: FineTune): boolean {
  return (f.freeze ?? []).length > 0 || Object.keys(f.lrMult ?? {}).length > 0
}

/** The layer a leaf `L.local` belongs to: `L`. */
export function layerOfLeaf(name: string): string {
  return name.slice(0, name.lastIndexOf('.'))
}

/** The label of a parameter: 'frozen', '×k' or 'train'. */
export function fineTuneLabel(f: FineTune, name: string): string {
  const layer = layerOfLeaf(name)
  if ((f.freeze ?? []).includes(layer)) return 'frozen'
  const m = f.lrMult !== undefined && Object.hasOwn(f.lrMult, layer) ? f.lrMult[layer]! : undefined
  return m === undefined || m === 1 ? 'train' : `×${m}`
}

/**
 * The optimizer of a fine-tuning run: `base()` (a fresh transformation of the run's kind, without
 * clipping) per label, behind clipping of the trained parameters when `clipNorm` is given.
 */
export function fineTuneOptimizer(f: FineTune, base: () => GradientTransformation<PlainState>, clipNorm?: number): GradientTransformation<PlainState> {
  const transforms: Record<string, GradientTransformation<PlainState>> = { train: base(), frozen: setToZero() }
  for (const m of new Set(Object.values(f.lrMult ?? {}))) if (m !== 1) transforms[`×${m}`] = chain(base(), scale(m)) as unknown as GradientTransformation<PlainState>
  const label = (name: string) => fineTuneLabel(f, name)
  const parts = multiTransform(transforms, label) as unknown as GradientTransformation<PlainState>
  const opt = clipNorm === undefined ? parts : (chain(masked(clipByGlobalNorm(clipNorm), (k) => label(k) !== 'frozen'), parts) as unknown as GradientTransformation<PlainState>)
  // a layer name that owns no parameter would freeze nothing: refused when the state is made
  return {
    init: (params) => {
      const layers = new Set(Object.keys(params).map(layerOfLeaf))
      for (const n of [...(f.freeze ?? []), ...Object.keys(f.lrMult ?? {})])
        if (!layers.has(n)) throw new SymgradError('value', `fine-tuning names layer ${JSON.stringify(n).slice(0, 40)}, which has no parameters (layers with parameters: ${[...layers].join(', ')})`)
      return opt.init(params)
    },
    update: (g, s, x) => opt.update(g, s, x),
  }
}

/** Frozen layers run in inference mode. */
export function frozenLayerModes(f: FineTune): LayerModes {
  return Object.fromEntries((f.freeze ?? []).map((n) => [n, 'test' as const]))
}

/** The layers of a model that have parameters (the ones that can be frozen or scaled), in order. */
export function trainableLayers(model: AnyModel): string[] {
  return model.layers.filter((l) => Object.keys(l.params).length > 0).map((l) => l.spec.name)
}

/**
 * Left (one line listing the valid names) when `freeze` or `lrMult` names a layer without
 * parameters or no layer at all, names one layer in both, or gives a multiplier that is not a
 * positive number; also when a leaf of the model is not `L.local` with `L` its own layer.
 */
export function checkFineTune(model: AnyModel, f: FineTune, flags: { readonly freeze: string; readonly lrMult: string } = { freeze: 'freeze', lrMult: 'lrMult' }): E.Either<SymgradError, true> {
  const valid = trainableLayers(model)
  const fail = (m: string) => E.left(new SymgradError('value', m))
  for (const [flag, names] of [[flags.freeze, f.freeze ?? []], [flags.lrMult, Object.keys(f.lrMult ?? {})]] as const)
    for (const n of names)
      if (!valid.includes(n)) return fail(`${flag}: ${JSON.stringify(n).slice(0, 40)} is not a layer with parameters of this model (layers with parameters: ${valid.join(', ')})`)
  for (const n of f.freeze ?? []) if (f.lrMult !== undefined && Object.hasOwn(f.lrMult, n)) return fail(`${flags.lrMult}: layer '${n}' is frozen (${flags.freeze}), so it has no learning rate to scale`)
  for (const [n, m] of Object.entries(f.lrMult ?? {})) if (!(Number.isFinite(m) && m > 0)) return fail(`${flags.lrMult}: the multiplier of '${n}' must be a positive number, got ${m}`)
  for (const l of model.layers)
    for (const local of Object.keys(l.params))
      if (layerOfLeaf(leafOf(l.spec.name, local)) !== l.spec.name) return fail(`layer '${l.spec.name}' (${l.spec.kind}) has a parameter '${local}' with a '.' in its name, so its layer cannot be read from the leaf name`)
  return E.right(true)
}

/**
 * The state a fine-tuning run starts from: `model` initialised from the config's key (a
 * preprocessing layer fitted on the training inputs `x`, needed when the model has one), every
 * leaf of `base` that fits copied in by name (nn/transfer.ts) — the base's preprocessing
 * statistics included, so the transferred layers see inputs prepared as in the base's training —
 * the layers in `fresh` (a new head) kept at their init, and the optimizer's state made on the
 * result. Pass it to `train` as `from`.
 */
export function fineTuneStart<S extends PlainState>(
  model: AnyModel, base: ModelValues, config: Pick<TrainConfig<S>, 'key' | 'optimizer'>, fresh: readonly string[], x?: Tensor,
): { readonly state: TrainState<S>; readonly report: TransferReport } {
  const s0 = initTrainState(model, config, x)
  const t = transfer(base, { model, params: s0.params, state: s0.modelState }, { fresh })
  return { state: { ...s0, params: t.params, modelState: t.state, optState: config.optimizer.init(t.params) }, report: t.report }
}

/** The head of a model: its last layer with parameters (re-initialised by fine-tuning). */
export function headLayer(model: AnyModel): string {
  const t = trainableLayers(model)
  if (t.length === 0) throw new SymgradError('value', 'headLayer: the model has no layer with parameters')
  return t[t.length - 1]!
}
