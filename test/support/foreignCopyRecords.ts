/**
 * A records module whose layer builds its graph with an op record of another copy of symgrad (as a
 * module importing a second install would): a copy of `mul`'s record, the same name, another object.
 */
import { apply, mul, type Expr } from '../../src/index.js'
import { defineLayer, keepLayer, noParams, noState, nothingToInit } from '../../src/nn/LayerDef.js'
import { input } from '../../src/ops/leaves.js'

const otherMul = { ...mul(input('a', [1]), input('b', [1])).op }

export const records = {
  layers: [defineLayer({
    kind: 'twice', options: {}, defaults: {}, prefix: 'twice',
    params: noParams, state: noState, outShape: (_, s) => s, init: nothingToInit,
    apply: (_, x: Expr) => ({ out: apply(otherMul, [x, x]) }),
    inference: keepLayer, describe: () => 'x·x', example: { options: {}, inShape: [3] },
  })],
}
