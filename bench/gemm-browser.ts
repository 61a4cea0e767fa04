/**
 * `npm run bench:gemm-browser`: the float32 SIMD gemm in Chromium (Debian's /usr/bin/chromium, or
 * $CHROMIUM, driven by playwright-core; headless, one thread) with f32x4.relaxed_madd and without
 * it — the kernel symgrad picks where the engine has relaxed SIMD, and the one it runs elsewhere
 * (Node 20 without --experimental-wasm-relaxed-simd). A·B at n = 256, 512, 1024 (--sizes=…), best
 * of several runs each, GFLOP/s; prints the table with the load average and writes
 * results/gemm-browser.json. About 30 s.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'

const arg = (name: string, d: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d
const sizes = arg('sizes', '256,512,1024')
const here = path.dirname(fileURLToPath(import.meta.url))
const executablePath = process.env['CHROMIUM'] ?? '/usr/bin/chromium'
const dir = mkdtempSync(path.join(tmpdir(), 'symgrad-gemm-browser-'))
const profile = mkdtempSync(path.join(tmpdir(), 'symgrad-chromium-profile-'))
const before = loadavg()
await build({ entryPoints: [path.join(here, 'browser/gemm-page.ts')], outfile: path.join(dir, 'page.js'), bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'error' })
writeFileSync(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>gemm</title><link rel="icon" href="data:,"><script src="page.js"></script>\n')
const server = createServer((req, res) => {
  const name = new URL(req.url ?? '/', 'http://x').pathname === '/page.js' ? 'page.js' : 'index.html'
  res.writeHead(200, { 'content-type': name === 'page.js' ? 'text/javascript' : 'text/html; charset=utf-8' }).end(readFileSync(path.join(dir, name)))
})
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
const context = await chromium.launchPersistentContext(profile, {
  executablePath, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
try {
  const page = await context.newPage()
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?sizes=${sizes}`)
  const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent))
  await page.waitForFunction(() => (window as unknown as { __gemm?: unknown }).__gemm !== undefined, undefined, { timeout: 600_000, polling: 500 })
  const r = (await page.evaluate(() => (window as unknown as { __gemm: unknown }).__gemm)) as { relaxed: boolean; rows: { n: number; fma: boolean; ms: number; gflops: number }[]; maxRelDiff: number; error?: string }
  if (r.error !== undefined) throw new Error(r.error)
  const after = loadavg()
  console.log(`float32 SIMD gemm in Chromium (${version}), 1 thread, ${cpus()[0]?.model ?? 'unknown CPU'}; relaxed SIMD ${r.relaxed ? 'available' : 'NOT available'}; load average ${before.map((v) => v.toFixed(2)).join(' ')} before, ${after.map((v) => v.toFixed(2)).join(' ')} after`)
  console.log(`${'n'.padStart(5)} ${'kernel'.padEnd(22)} ${'ms'.padStart(8)} ${'GFLOP/s'.padStart(8)}`)
  for (const row of r.rows) console.log(`${String(row.n).padStart(5)} ${(row.fma ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add').padEnd(22)} ${row.ms.toFixed(2).padStart(8)} ${row.gflops.toFixed(2).padStart(8)}`)
  if (r.relaxed) {
    for (const n of [...new Set(r.rows.map((x) => x.n))]) {
      const [p, f] = [r.rows.find((x) => x.n === n && !x.fma)!, r.rows.find((x) => x.n === n && x.fma)!]
      console.log(`n = ${n}: relaxed_madd ${(p.ms / f.ms).toFixed(2)}× the plain kernel`)
    }
    console.log(`largest difference between the two (relative, floor 1): ${r.maxRelDiff.toExponential(2)}`)
  }
  mkdirSync(path.join(here, 'results'), { recursive: true })
  writeFileSync(path.resolve(here, 'results', arg('out', 'gemm-browser.json')), JSON.stringify({ browser: version, cpu: cpus()[0]?.model, loadBefore: before, loadAfter: after, ...r }, null, 2) + '\n')
} finally {
  await context.close()
  server.close()
  rmSync(dir, { recursive: true, force: true })
  rmSync(profile, { recursive: true, force: true })
}
