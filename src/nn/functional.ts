/** The functional (Expr → Expr) forms behind the layers: activations, batch norm, dropout. */
export { sigmoid, tanh, relu, leakyRelu, elu, maxoutPieces, activate, type ActivationName } from './activations.js'
export { batchNormTrain, batchNormTest, runningUpdate, defaultEps, defaultMomentum, type BatchNormTrain } from './batchnorm.js'
export { dropoutTrain, dropoutMask, dropoutUniforms } from './dropout.js'
