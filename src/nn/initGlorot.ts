/**
 * Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward neural
 * networks": keep the variance of activations (forward) and of gradients (backward) alike by
 * Var(W) = 2/(fan_in + fan_out). This is NOT symgrad's 'xavier', which is the lecture notes'
 * 1/fan_in variance (N(0,1)/√fan_in); the two agree only for square matrices.
 *   glorotNormal:  W ~ N(0, 2/(fan_in + fan_out))
 *   glorotUniform: W ~ U(−a, a), a = √(6/(fan_in + fan_out))   (the same variance: a²/3)
 */
import * as R from '../core/Random.js'
import { defineInit } from './InitDef.js'

const glorotStd = (fanIn: number, fanOut: number): number => Math.sqrt(2 / (fanIn + fanOut))

export const glorotNormal = defineInit({
  name: 'glorotNormal',
  formula: 'N(0,1)·√(2/(fan_in+fan_out))',
  std: glorotStd,
  draw: (key, fanIn, fanOut) => R.normal(key, [fanIn, fanOut], glorotStd(fanIn, fanOut)),
})

export const glorotUniform = defineInit({
  name: 'glorotUniform',
  formula: 'U(−a,a), a = √(6/(fan_in+fan_out))',
  std: glorotStd,
  draw: (key, fanIn, fanOut) => {
    const a = Math.sqrt(6 / (fanIn + fanOut))
    return R.uniform(key, [fanIn, fanOut], -a, a)
  },
})
