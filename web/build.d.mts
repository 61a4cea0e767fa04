import type { Server } from 'node:http'
/** Builds the playground into `outdir`; returns the path of its index.html. */
export function buildPlayground(outdir: string): Promise<string>
/** Serves `dir` read-only on 127.0.0.1:`port`. */
export function serve(dir: string, port: number): Server
