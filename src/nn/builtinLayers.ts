/** The built-in layer kinds: the registry `sequential`, `mlp`, spec decoding and the CLI use by default. */
import { layerRegistry, type LayerRegistries, type LayerRegistry } from './LayerDef.js'
import { builtinInits } from './init.js'
import { activationLayer } from './kinds/activation.js'
import { batchNormLayer } from './kinds/batchNorm.js'
import { denseLayer } from './kinds/dense.js'
import { dropoutLayer } from './kinds/dropout.js'
import { flattenLayer } from './kinds/flatten.js'
import { layerNormLayer } from './kinds/layerNorm.js'
import { maxoutLayer } from './kinds/maxout.js'
import { reshapeLayer } from './kinds/reshape.js'
import { convLayer } from './kinds/conv.js'
import { avgPoolLayer, maxPoolLayer } from './kinds/pool.js'
import { spatialBatchNormLayer } from './kinds/spatialBatchNorm.js'
import { channelsFirstLayer } from './kinds/channelsFirst.js'
import { centerLayer } from './kinds/center.js'
import { channelCenterLayer } from './kinds/channelCenter.js'
import { standardizeLayer } from './kinds/standardize.js'
import { pcaLayer } from './kinds/pca.js'
import { pcaWhitenLayer } from './kinds/pcaWhiten.js'
import { zcaLayer } from './kinds/zca.js'
import { residualLayer } from './kinds/residual.js'

/** The registry of built-in layer kinds (a user's are added with `Registries.extend`). */
export const builtinLayers: LayerRegistry = layerRegistry(denseLayer, maxoutLayer, activationLayer, batchNormLayer, dropoutLayer, flattenLayer, reshapeLayer, layerNormLayer,
  convLayer, maxPoolLayer, avgPoolLayer, spatialBatchNormLayer, channelsFirstLayer,
  centerLayer, channelCenterLayer, standardizeLayer, pcaLayer, pcaWhitenLayer, zcaLayer, residualLayer,
)

/** The built-in layer kinds and initializers: what models are built over when no `registries` is given. */
export const builtinLayerRegistries: LayerRegistries = Object.freeze({ layers: builtinLayers, inits: builtinInits })
