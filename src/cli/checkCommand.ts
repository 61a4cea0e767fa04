/**
 * `symgrad check [file.json] [--data …] [--ranges x=0..1] [--dtype float32]`: the numeric hazards of
 * a graph or a model before anything runs (compile/analyze.ts). The file is a graph
 * (`{"format": "symgrad-graph", …}`) or a model spec; without a file, the CLI's own model from the
 * run flags (--model, --hidden, --batchnorm, …). With --data the inputs take the data's observed
 * range. For a graph, the stable rewrites that fire are listed with their reasons and the
 * rewritten graph is analyzed again. Exit status 1 when hazards are found, 2 for bad input.
 */
import type { Expr } from '../core/Expr.js'
import { quote } from '../core/codecs.js'
import * as D from '../data/Dataset.js'
import { analyze, formatHazards, type Analysis, type AnalyzeOptions } from '../compile/analyze.js'
import { topoSort } from '../core/Expr.js'
import { leafName } from '../ops/leaves.js'
import type { Dtype } from '../compile/arena.js'
import type { Interval } from '../compile/intervals.js'
import { showInterval } from '../compile/intervals.js'
import { nodeForm } from '../compile/nodeForm.js'
import { simplify } from '../compile/simplify.js'
import { stableRules } from '../compile/stableRules.js'
import { readJsonFile } from '../io/atomic.js'
import { decodeGraph, GRAPH_FORMAT } from '../io/graph.js'
import { checkDataFits, decodeModel } from '../records/spec.js'
import { buildModel, describeArchitecture } from '../train/config.js'
import { checkModel, observedRange } from '../train/hazards.js'
import type { AnyModel } from '../train/programs.js'
import type { Tensor } from '../core/Tensor.js'
import { ArgError, type ParsedArgs } from './args.js'
import { configFromArgs, inFile, orExit } from './commands.js'
import type { CommandOptions } from './context.js'
import { loadData } from '../runner/data.js'

const show = (e: Expr): string => nodeForm(e, 3)

/** `x=0..1,y=-3..3` → ranges by name; `lo..hi` numbers (inf allowed), lo ≤ hi. */
export function parseRanges(text: string): Record<string, Interval> {
  const out: Record<string, Interval> = {}
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const m = /^\s*([A-Za-z_][\w.]*)\s*=\s*(-?(?:inf|[\d.]+(?:e[+-]?\d+)?))\s*\.\.\s*(-?(?:inf|[\d.]+(?:e[+-]?\d+)?))\s*$/i.exec(part)
    if (!m) throw new ArgError(`check: --ranges: expected name=lo..hi (e.g. x=0..1), got ${quote(part)}`)
    const num = (s: string) => (/^-?inf$/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s))
    const lo = num(m[2]!)
    const hi = num(m[3]!)
    const name = m[1]!
    if (name === '__proto__') throw new ArgError(`check: --ranges: ${quote(name)} is not a name symgrad accepts`)
    if (!(lo <= hi)) throw new ArgError(`check: --ranges: ${quote(name)}: expected lo ≤ hi, got ${quote(`${m[2]}..${m[3]}`)}`)
    if (Object.hasOwn(out, name)) throw new ArgError(`check: --ranges: ${quote(name)} is given twice`)
    out[name] = { lo, hi }
  }
  return out
}

function dtypesOf(a: ParsedArgs): readonly Dtype[] {
  const d = a.flags['dtype']
  if (d === undefined) return ['float64', 'float32']
  if (d === 'float32' || d === 'float64') return [d]
  throw new ArgError(`check: --dtype: expected float64 or float32, got ${quote(String(d))}`)
}

function printModel(model: AnyModel, what: string, a: ParsedArgs, x: Interval | undefined, dtypes: readonly Dtype[], fitOn?: Tensor): number {
  const loss = a.flags['loss'] === 'svm' ? 'svm' : 'softmax'
  const c = checkModel(model, { loss, dtypes, ...(x ? { x } : {}), ...(fitOn ? { fitOn } : {}) })
  console.log(`${what}, loss ${loss}, x ∈ ${showInterval(c.ranges['x']!)}${x ? ' (the data\'s observed range)' : ' (unbounded: pass --data for the data\'s range)'}, formats ${dtypes.join(' and ')}`)
  console.log(formatHazards(c.analysis, show))
  return c.analysis.hazards.length > 0 ? 1 : 0
}

/** `gradient ranges: W ∈ [−1, 1], b ∈ (−∞, ∞)` over the leaves with a gradient (the first 8). */
function gradientLine(outputs: readonly Expr[], a: Analysis): string {
  const leaves = topoSort(outputs).filter((e) => leafName(e) !== undefined && a.ranges.get(e.id)?.grad !== undefined)
  const shown = leaves.slice(0, 8).map((e) => `${nodeForm(e)} ∈ ${showInterval(a.ranges.get(e.id)!.grad!)}`)
  return `gradient ranges: ${shown.join(', ')}${leaves.length > 8 ? `, … (${leaves.length} leaves)` : ''}`
}

function checkGraph(outputs: readonly Expr[], o: AnalyzeOptions): number {
  const before = analyze(outputs, o)
  console.log(`graph: ${outputs.length} output${outputs.length === 1 ? '' : 's'}; ${before.gradientNote === undefined ? gradientLine(outputs, before) : `no gradients: ${before.gradientNote}`}`)
  console.log(formatHazards(before, show))
  const s = simplify(outputs)
  const fired = s.fired.flatMap((f) => {
    const r = stableRules.find((x) => x.name === f.rule)
    return r === undefined ? [] : [`  ${r.name} ×${f.count} — ${r.why}`]
  })
  if (fired.length === 0) return before.hazards.length > 0 ? 1 : 0
  console.log(`stable rewrites that fire:\n${fired.join('\n')}`)
  const after = analyze(s.exprs, o)
  console.log(`after the rewrites: ${formatHazards(after, show)}`)
  if (after.gradientNote === undefined) console.log(`after the rewrites, ${gradientLine(s.exprs, after)}`)
  return before.hazards.length > 0 ? 1 : 0
}

export function checkCommand(a: ParsedArgs, o: CommandOptions): number {
  const { registries } = o
  const dtypes = dtypesOf(a)
  const ranges = typeof a.flags['ranges'] === 'string' ? parseRanges(a.flags['ranges']) : {}
  const file = a.positional[0]
  const withData = a.flags['data'] !== undefined || a.flags['config'] !== undefined
  const c = file === undefined || withData ? configFromArgs(a, { perData: true, registries, command: 'check' }) : undefined
  const data = c !== undefined && (file === undefined || withData) ? orExit(loadData(c)) : undefined
  const observed = data !== undefined ? observedRange(data.train.x) : undefined
  if (file === undefined) {
    const model = buildModel(c!, D.features(data!.train), data!.train.classes, { ...(data!.image !== undefined ? { image: data!.image } : {}), registries })
    const kind = c!.model ?? 'mlp'
    const widths = kind === 'mlp' ? ` [${[D.features(data!.train), ...c!.hidden, data!.train.classes].join(', ')}]` : ''
    const arch = c!.layers !== undefined ? describeArchitecture(c!, D.features(data!.train), data!.train.classes) : `${kind}${widths}${c!.batchNorm ? ' with batch norm' : ''}`
    return printModel(model, `model: ${arch} on ${c!.data}`, a, ranges['x'] ?? observed, dtypes, data!.train.x)
  }
  const json = orExit(readJsonFile(file))
  const isGraph = typeof json === 'object' && json !== null && (json as { format?: unknown }).format === GRAPH_FORMAT
  if (isGraph) {
    const outputs = orExit(inFile(file, decodeGraph(json, { registries })))
    return checkGraph(outputs, { dtypes, ranges: { ...(observed ? { x: observed } : {}), ...ranges } })
  }
  const model = orExit(inFile(file, decodeModel(json, { registries })))
  if (data !== undefined) orExit(inFile(file, checkDataFits(model.spec, data.train)))
  return printModel(model, `model: ${quote(file)}`, a, ranges['x'] ?? observed, dtypes, data?.train.x)
}
