/**
 * Command-line flags: `--name value`, `--name=value` and boolean `--flag`. Unknown flags, missing
 * values and bad numbers are ArgErrors: the CLI prints their one-line message and exits with 2.
 */
export class ArgError extends Error {}

export interface FlagSpec {
  readonly kind: 'string' | 'number' | 'boolean'
  readonly help: string
}

export interface ParsedArgs {
  readonly positional: readonly string[]
  readonly flags: Readonly<Record<string, string | number | boolean>>
}

export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>, command: string): ParsedArgs {
  const positional: string[] = []
  const flags: Record<string, string | number | boolean> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--') || a === '--') {
      positional.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const name = a.slice(2, eq < 0 ? undefined : eq)
    const s = spec[name]
    if (!s) throw new ArgError(`${command}: unknown flag --${name} (flags: ${Object.keys(spec).map((k) => `--${k}`).join(' ')})`)
    if (s.kind === 'boolean') {
      if (eq >= 0) throw new ArgError(`${command}: --${name} takes no value`)
      flags[name] = true
      continue
    }
    const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i]
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new ArgError(`${command}: --${name} needs a value`)
    if (s.kind === 'number') {
      const v = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(v)) throw new ArgError(`${command}: --${name} expects a number, got '${raw}'`)
      flags[name] = v
    } else flags[name] = raw
  }
  return { positional, flags }
}

export function flagHelp(spec: Readonly<Record<string, FlagSpec>>): string {
  const rows = Object.entries(spec).map(([k, s]) => [`--${k}${s.kind === 'boolean' ? '' : s.kind === 'number' ? ' <n>' : ' <value>'}`, s.help] as const)
  const w = Math.max(...rows.map((r) => r[0].length))
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n')
}
