/**
 * Builds the playground into a folder of static files (index.html, playground.js with the library
 * and the training worker inside it, style.css, KaTeX's stylesheet and fonts) that opens from
 * file:// with no server. `npm run playground` builds into web/dist and serves it on
 * http://localhost:8080 (or --port N); `--no-serve` only builds; `--out <dir>` builds elsewhere.
 */
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const katexDist = join(here, '..', 'node_modules', 'katex', 'dist')

/** Builds into `outdir` (created if needed); returns the path of index.html. */
export async function buildPlayground(outdir) {
  const common = { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, logLevel: 'error', external: ['node:*'] }
  // the worker is bundled first and inlined as text: a Blob URL worker runs from file:// too
  const worker = await build({ ...common, entryPoints: [join(here, 'src', 'worker.ts')], write: false })
  mkdirSync(join(outdir, 'katex', 'fonts'), { recursive: true })
  await build({
    ...common,
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile: join(outdir, 'playground.js'),
    define: { WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) },
  })
  for (const f of ['index.html', 'style.css']) copyFileSync(join(here, f), join(outdir, f))
  copyFileSync(join(katexDist, 'katex.min.css'), join(outdir, 'katex', 'katex.min.css'))
  for (const f of readdirSync(join(katexDist, 'fonts'))) if (f.endsWith('.woff2')) copyFileSync(join(katexDist, 'fonts', f), join(outdir, 'katex', 'fonts', f))
  return join(outdir, 'index.html')
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.woff2': 'font/woff2' }

/** Serves `dir` read-only on localhost. */
export function serve(dir, port) {
  const root = resolve(dir)
  return createServer((req, res) => {
    const path = resolve(root, '.' + decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/\/$/, '/index.html'))
    if (path !== root && !path.startsWith(root + sep)) return void res.writeHead(403).end()
    try {
      const body = readFileSync(path)
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body)
    } catch {
      res.writeHead(404).end('not found')
    }
  }).listen(port, '127.0.0.1')
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
  const out = resolve(flag('--out') ?? join(here, 'dist'))
  const page = await buildPlayground(out)
  console.log(`built ${page} (opens from file:// as well)`)
  if (!args.includes('--no-serve')) {
    const port = Number(flag('--port') ?? 8080)
    serve(out, port)
    console.log(`serving http://localhost:${port}/ (Ctrl-C to stop)`)
  }
}
