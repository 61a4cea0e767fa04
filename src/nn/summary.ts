/** `summary(model)`: a plain-text table of layers, output shapes and parameter counts. */
import { showScheme } from './init.js'
import { type Resolved, leafShapes } from './layers.js'
import type { Model } from './model.js'

function describe(l: Resolved): string {
  switch (l.kind) {
    case 'dense':
      return `dense ${l.in}→${l.out}, init ${showScheme(l.init)}`
    case 'maxout':
      return `maxout ${l.in}→${l.out}, ${l.pieces} pieces, init ${showScheme(l.init)}`
    case 'activation':
      return l.alpha === undefined ? l.fn : `${l.fn} α=${l.alpha}`
    case 'batchNorm':
      return `batch norm ε=${l.eps} m=${l.momentum}`
    case 'dropout':
      return `dropout keep=${l.keep}`
  }
}

const count = (shapes: Readonly<Record<string, readonly number[]>>) =>
  Object.values(shapes).reduce((a, s) => a + s.reduce((p, d) => p * d, 1), 0)

/** One row per layer: name, what it is, output shape [N, width], trainable parameters, state values. */
export function summary<In extends number, Out extends number>(model: Model<In, Out>): string {
  const head = ['layer', 'kind', 'output', 'params', 'state']
  const rows = model.spec.layers.map((l) => {
    const s = leafShapes(l)
    return [l.name, describe(l), `[N,${l.out}]`, String(count(s.params)), String(count(s.state))]
  })
  const total = ['total', model.spec.inference ? 'inference form' : '', `[N,${model.out}]`, String(count(model.paramShapes)), String(count(model.stateShapes))]
  const all = [head, ...rows, total]
  const w = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)))
  const line = (r: readonly string[]) =>
    r.map((cell, c) => (c >= 3 ? cell.padStart(w[c]!) : cell.padEnd(w[c]!))).join('  ').trimEnd()
  const rule = w.map((n) => '─'.repeat(n)).join('  ')
  return [`input [N,${model.in}]`, line(head), rule, ...rows.map(line), rule, line(total)].join('\n')
}
