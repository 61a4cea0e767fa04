/**
 * Command-line flags: `--name value`, `--name=value` and boolean `--flag`. Unknown flags (with the
 * nearest known one), missing values, bad numbers and arguments a command does not take (`train
 * -lr 0.1`: a flag with one dash) are ArgErrors: the CLI prints their one-line message and exits
 * with 2. Flag names are looked up as own fields only (`--constructor` is an unknown flag).
 */
import { closest, quote } from '../core/codecs.js'
import { parseFinite } from '../core/numbers.js'

export class ArgError extends Error {}

export interface FlagSpec {
  readonly kind: 'string' | 'number' | 'boolean'
  readonly help: string
}

export interface ParsedArgs {
  readonly positional: readonly string[]
  readonly flags: Readonly<Record<string, string | number | boolean>>
}

/** ` (did you mean --lr?)`, or nothing. */
function suggest(name: string, spec: Readonly<Record<string, FlagSpec>>): string {
  const near = closest(name, Object.keys(spec))
  return near !== undefined ? ` (did you mean --${near}?)` : ''
}

/**
 * `positionals` is how many plain arguments the command takes (explain: 1, the others: 0); one
 * more is refused, naming it (a one-dash `-lr` is taken for a misspelled flag).
 */
export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>, command: string, positionals = 0): ParsedArgs {
  const positional: string[] = []
  const flags: Record<string, string | number | boolean> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--') || a === '--') {
      if (positional.length >= positionals) {
        const dash = /^-([A-Za-z][\w-]*)/.exec(a)
        const hint = dash ? suggest(dash[1]!, spec).replace(/^ \(did you mean/, ' (flags start with two dashes: did you mean') : ''
        throw new ArgError(`${command}: unexpected argument ${quote(a)}${hint || (positionals === 0 ? ` (${command} takes only --flags)` : '')}`)
      }
      positional.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const name = a.slice(2, eq < 0 ? undefined : eq)
    const s = Object.hasOwn(spec, name) ? spec[name] : undefined
    if (!s) throw new ArgError(`${command}: unknown flag --${quote(name).slice(1, -1)}${suggest(name, spec) || ` (see symgrad ${command} --help)`}`)
    if (s.kind === 'boolean') {
      if (eq >= 0) throw new ArgError(`${command}: --${name} takes no value`)
      flags[name] = true
      continue
    }
    const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i]
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new ArgError(`${command}: --${name} needs a value`)
    if (s.kind === 'number') {
      const v = parseFinite(raw)
      if ('problem' in v) throw new ArgError(`${command}: --${name} expects a number, got ${quote(raw)} (${v.problem})`)
      flags[name] = v.value
    } else flags[name] = raw
  }
  return { positional, flags }
}

/** A comma-separated list of decimal numbers (`--hidden 64,32`); a part that is not one is an ArgError naming its place. */
export function numberList(flag: string, raw: string): number[] {
  return raw.split(',').map((w, i) => {
    const v = parseFinite(w.trim())
    if ('problem' in v) throw new ArgError(`--${flag}[${i}]: expected a number, got ${quote(w.trim())} (${v.problem})`)
    return v.value
  })
}

export function flagHelp(spec: Readonly<Record<string, FlagSpec>>): string {
  const rows = Object.entries(spec).map(([k, s]) => [`--${k}${s.kind === 'boolean' ? '' : s.kind === 'number' ? ' <n>' : ' <value>'}`, s.help] as const)
  const w = Math.max(...rows.map((r) => r[0].length))
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n')
}
