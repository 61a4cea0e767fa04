/**
 * Type-level tests for nn models, checked by `tsc --noEmit` (this file is in tsconfig's include).
 * Each `@ts-expect-error` line must fail to compile; if it ever compiles, tsc reports the unused
 * directive.
 */
import type { Expr } from '../src/core/Expr.js'
import * as ops from '../src/ops/index.js'
import { batchNorm, conv, dense, dropout, elu, flatten, leakyRelu, maxPool, maxout, relu, tanh } from '../src/nn/layers.js'
import { type Model, sequential, toInference } from '../src/nn/model.js'

// widths that agree compile, and the model's widths are literal types
const ok = sequential(dense(784, 100), relu, dense(100, 10))
export const okIn: 784 = ok.in
export const okOut: 10 = ok.out
export const okModel: Model<784, 10> = ok

// @ts-expect-error 100 units flow into a layer that expects 50
sequential(dense(784, 100), relu, dense(50, 10))

// @ts-expect-error the mismatch is found through width-preserving layers too
sequential(dense(784, 100), batchNorm(), relu, dropout({ keep: 0.5 }), dense(101, 10))

// @ts-expect-error maxout widths are checked like dense ones
sequential(dense(3, 4), maxout(5, 2, 3))

export const deep = sequential(dense(5, 8), batchNorm(), leakyRelu(0.1), dropout({ keep: 0.5 }), maxout(8, 6, 3), elu(), dense(6, 2), tanh)
export const deepOut: 2 = deep.out
export const inf: Model<5, 2> = toInference(deep)

// apply: the input width must be the model's; the output carries [N, out]
const x = ops.input('x', ['N', 784])
export const y: Expr<['N', 10]> = ok.apply(x, 'train').out
const wrong = ops.input('x', ['N', 785])
// @ts-expect-error 785 columns into a 784-input model
ok.apply(wrong, 'test')

// the input shape stated once: one axis types the width; more axes give `number` (checked at run time)
const stated = sequential({ input: [784] }, dense(784, 10))
export const statedIn: 784 = stated.in
export const statedOut: 10 = stated.out
// @ts-expect-error the stated width 784 meets a layer that expects 100
sequential({ input: [784] }, dense(100, 10))
export const image: Model<number, 10> = sequential({ input: [1, 28, 28] }, conv(8, 5), relu, maxPool(2), flatten, dense(1152, 10))
