/** `summary(model)`: a plain-text table of layers, output shapes and parameter counts. */
import type { Model } from './model.js'

const count = (shapes: Readonly<Record<string, readonly number[]>>) =>
  Object.values(shapes).reduce((a, s) => a + s.reduce((p, d) => p * d, 1), 0)

const shown = (s: readonly number[]) => `[N,${s.join(',')}]`

/** One row per layer: name, its record's summary line, output shape [N, ...], trainable parameters, state values. */
export function summary<In extends number, Out extends number>(model: Model<In, Out>): string {
  const head = ['layer', 'kind', 'output', 'params', 'state']
  const rows = model.layers.map((l) => [
    l.spec.name,
    l.def.describe(l.spec, l.inShape, { registries: model.registries }),
    shown(l.outShape),
    String(count(l.params)),
    String(count(l.state)),
  ])
  const total = ['total', model.spec.inference ? 'inference form' : '', `[N,${model.out}]`, String(count(model.paramShapes)), String(count(model.stateShapes))]
  const all = [head, ...rows, total]
  const w = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)))
  const line = (r: readonly string[]) =>
    r.map((cell, c) => (c >= 3 ? cell.padStart(w[c]!) : cell.padEnd(w[c]!))).join('  ').trimEnd()
  const rule = w.map((n) => '─'.repeat(n)).join('  ')
  return [`input ${shown(model.inShape)}`, line(head), rule, ...rows.map(line), rule, line(total)].join('\n')
}
