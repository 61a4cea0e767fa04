/**
 * symgrad/web's thread pool in a real browser: Debian's chromium (never a downloaded one) driven by
 * playwright-core opens a page served on a free localhost port with cross-origin isolation headers
 * (COOP same-origin, COEP require-corp), so SharedArrayBuffer exists. The page script
 * (support/webthreads-page.ts, bundled with esbuild into a temporary folder) splits float32 products
 * over `webThreadPool(2)`'s Web Worker and compares them with one thread's, bit for bit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium, type BrowserContext } from 'playwright-core'

const executablePath = process.env['CHROMIUM'] ?? '/usr/bin/chromium'
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }

let dir: string
let profile: string
let server: Server
let context: BrowserContext
let origin: string

beforeAll(async () => {
  if (!existsSync(executablePath)) throw new Error(`no chromium at ${executablePath}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM`)
  dir = mkdtempSync(join(tmpdir(), 'symgrad-webthreads-'))
  profile = mkdtempSync(join(tmpdir(), 'symgrad-chromium-profile-'))
  await build({
    entryPoints: [fileURLToPath(new URL('./support/webthreads-page.ts', import.meta.url))],
    outfile: join(dir, 'page.js'), bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'error',
  })
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>symgrad threads</title><link rel="icon" href="data:,"><script src="page.js"></script>\n')
  // /isolated/ is served with the isolation headers, /plain/ without them, /csp/ with them and a policy that forbids Blob URL workers
  const files: Record<string, [string, string]> = { '': ['index.html', 'text/html; charset=utf-8'], 'page.js': ['page.js', 'text/javascript'] }
  server = createServer((req, res) => {
    const [, where, name] = /^\/(isolated|plain|csp)\/(.*)$/.exec(new URL(req.url ?? '/', 'http://x').pathname) ?? []
    const f = name === undefined ? undefined : files[name]
    const headers = where === 'isolated' ? isolation : where === 'csp' ? { ...isolation, 'content-security-policy': "worker-src 'self'" } : {}
    if (f === undefined) return void res.writeHead(404, headers).end('not found')
    res.writeHead(200, { ...headers, 'content-type': f[1] }).end(readFileSync(join(dir, f[0])))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: flags })
}, 60_000)

afterAll(async () => {
  await context?.close()
  await new Promise((r) => (server === undefined ? r(undefined) : server.close(r)))
  for (const d of [dir, profile]) if (d !== undefined) rmSync(d, { recursive: true, force: true })
})

/** Opens `path`, waits for the page script's report, and returns it with the page's errors. */
async function report(path: string): Promise<{ r: Record<string, any>; errors: string[] }> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => void errors.push(String(e)))
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
  const t0 = Date.now()
  try {
    await page.goto(`${origin}${path}`)
    await page.waitForFunction(() => (window as { webThreads?: unknown }).webThreads !== undefined, null, { timeout: 40_000, polling: 50 })
    const r = (await page.evaluate(() => (window as { webThreads?: unknown }).webThreads)) as Record<string, any>
    console.log(`${path}: ${JSON.stringify(r)} (${Date.now() - t0} ms from navigation)`)
    return { r, errors }
  } finally {
    await page.close()
  }
}

describe('webThreadPool in chromium', () => {
  it('cross-origin isolated page: float32 products split over a Web Worker give the same bits as one thread (a product, three training steps, a convolution step)', async () => {
    const { r, errors } = await report('/isolated/')
    expect(r['error']).toBeUndefined()
    expect(r['env']).toMatchObject({ crossOriginIsolated: true, sharedArrayBuffer: true, threads: 2 })
    expect(r['product'].ready).toBe(2)
    // once the worker has started, a call of the product gave it a part (each call's bits compared)
    expect(r['product'].workerParts - r['product'].partsEarly).toBeGreaterThanOrEqual(1)
    expect(r['product'].mismatches).toBe(0)
    expect(r['product'].earlyMismatches).toBe(0)
    expect(r['product'].relToFloat64).toBeLessThan(1e-5)
    // no step yields to the event loop: the step's memory was attached synchronously, and the worker claimed parts of its large products
    expect(r['training'].workerParts).toBeGreaterThanOrEqual(1)
    expect(r['training'].mismatches).toBe(0)
    expect(r['conv'].workerParts).toBeGreaterThan(0)
    expect(r['conv'].mismatches).toBe(0)
    expect(r['conv'].relToFloat64).toBeLessThan(1e-4)
    expect(errors).toEqual([])
  }, 60_000)

  it('a page without the isolation headers has no SharedArrayBuffer: the pool has one thread and the results are the same', async () => {
    const { r, errors } = await report('/plain/')
    expect(r['error']).toBeUndefined()
    expect(r['env']).toMatchObject({ crossOriginIsolated: false, sharedArrayBuffer: false, threads: 1 })
    expect(r['product'].workerParts).toBe(0)
    expect(r['product'].mismatches).toBe(0)
    expect(r['training'].workerParts).toBe(0)
    expect(r['training'].mismatches).toBe(0)
    expect(r['conv'].workerParts).toBe(0)
    expect(r['conv'].mismatches).toBe(0)
    expect(errors).toEqual([])
  }, 60_000)

  it('a Content-Security-Policy that forbids Blob URL workers: ready settles with 1 and everything runs on the calling thread', async () => {
    const { r, errors } = await report('/csp/')
    expect(r['error']).toBeUndefined()
    expect(r['env']).toMatchObject({ crossOriginIsolated: true, sharedArrayBuffer: true, threads: 2 })
    expect(r['product'].ready).toBe(1)
    for (const part of ['product', 'training', 'conv']) {
      expect(r[part].workerParts, part).toBe(0)
      expect(r[part].mismatches, part).toBe(0)
    }
    // the browser reports the refused worker; nothing else goes wrong
    expect(errors.filter((e) => !/worker-src|Content Security Policy/i.test(e))).toEqual([])
  }, 60_000)
})
