/**
 * Preprocessing inside the model: the fitted transforms of data/preprocess.ts as layer kinds with
 * fitted state and no parameters (kinds/center.ts, channelCenter.ts, standardize.ts, pca.ts,
 * pcaWhiten.ts, zca.ts; built in: builtinLayers.ts). `withPreprocessing` puts one at the front of a model; `train` fits it on the
 * training inputs (fit.ts); checkpoints, ONNX export and `predict` then take raw inputs.
 */
import { ShapeError } from '../core/errors.js'
import type { Spec } from '../data/preprocess.js'
import type { AnyLayerDef } from './LayerDef.js'
import type { LayerSpec } from './layers.js'
import { fromLayers, type Model, withWidths } from './model.js'

/** The layer spec of a preprocessing Spec (data/preprocess.ts): `{ kind: 'standardize' }` → a standardize layer. */
export function preprocessingLayer(spec: Spec): LayerSpec {
  return { ...spec } as LayerSpec
}

/** Whether a layer's record fits state from training data (a preprocessing layer). */
export const isFitted = (def: AnyLayerDef): boolean => def.fit !== undefined

/**
 * `model` with `layer` (e.g. `standardize()`) in front, over the same registry; the other layers keep
 * their names, so their parameters keep theirs. Throws a ShapeError when the layer changes the
 * width the next layer expects (a pca in front of a dense layer of the raw width).
 */
export function withPreprocessing<In extends number, Out extends number>(model: Model<In, Out>, layer: LayerSpec): Model<In, Out> {
  const first = model.layers[0]
  if (first !== undefined && isFitted(first.def))
    throw new ShapeError(`withPreprocessing: the model already starts with the ${first.spec.kind} layer '${first.spec.name}'`)
  return withWidths(fromLayers([layer, ...model.spec.layers], { registries: model.registries, input: model.inShape }))
}
