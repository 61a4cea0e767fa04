/**
 * Weight initialization from explicit PRNG keys (bit-for-bit reproducible for the same key):
 *   'small'  W = 0.01·N(0,1)
 *   'xavier' W = N(0,1)/√fan_in          (Glorot & Bengio 2010, the lecture's 1/√fan_in form)
 *   'he'     W = N(0,1)·√(2/fan_in)      (He et al. 2015, for ReLU nets)
 *   {std}    W = std·N(0,1)              (the assignments' `weight_scale`)
 * Biases start at 0.
 */
import type { Key } from '../core/Random.js'
import * as R from '../core/Random.js'
import type { Tensor } from '../core/Tensor.js'

export type InitScheme = 'small' | 'xavier' | 'he' | { readonly std: number }

/** The standard deviation a scheme gives a weight matrix with `fanIn` inputs per unit. */
export function initStd(scheme: InitScheme, fanIn: number): number {
  if (typeof scheme === 'object') return scheme.std
  switch (scheme) {
    case 'small':
      return 0.01
    case 'xavier':
      return 1 / Math.sqrt(fanIn)
    case 'he':
      return Math.sqrt(2 / fanIn)
  }
}

/** A [fanIn, fanOut] weight matrix drawn from `key` with the scheme's standard deviation. */
export function initWeight(key: Key, scheme: InitScheme, fanIn: number, fanOut: number): Tensor {
  return R.normal(key, [fanIn, fanOut], initStd(scheme, fanIn))
}

export function showScheme(scheme: InitScheme): string {
  return typeof scheme === 'object' ? `std=${scheme.std}` : scheme
}
