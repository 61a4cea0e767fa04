/**
 * The playground opened in a real browser for the tests: Debian's chromium (never a downloaded one)
 * driven by playwright-core, the page built into a temporary folder and opened from file:// (no
 * server). Console errors and page errors are collected; screenshots go to a temporary folder
 * (its path is printed).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { buildPlayground } from '../web/build.mjs'

const executablePath = process.env['CHROMIUM'] ?? '/usr/bin/chromium'
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface OpenPlayground {
  readonly page: Page
  /** Console errors, uncaught page errors and failed requests, as they happen. */
  readonly errors: string[]
  /** A temporary folder for screenshots (kept after close). */
  readonly shots: string
  close(): Promise<void>
}

/** Builds the page, starts chromium at 1280×900 and opens the page; `name` prefixes the temporary folders. */
export async function openPlayground(name: string): Promise<OpenPlayground> {
  if (!existsSync(executablePath)) throw new Error(`no chromium at ${executablePath}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM`)
  const out = mkdtempSync(join(tmpdir(), `symgrad-${name}-`))
  const profile = mkdtempSync(join(tmpdir(), `symgrad-${name}-profile-`))
  const shots = mkdtempSync(join(tmpdir(), `symgrad-${name}-shots-`))
  const index = await buildPlayground(out)
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: flags, viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
  page.on('pageerror', (e) => void errors.push(String(e)))
  // a failed request (a missing favicon, a missing file) is an error too
  page.on('requestfailed', (r) => void errors.push(`request failed: ${r.url()}`))
  await page.goto(pathToFileURL(index).href)
  console.log(`${name} screenshots: ${shots}`)
  return {
    page, errors, shots,
    close: async () => {
      await context.close()
      for (const d of [out, profile]) rmSync(d, { recursive: true, force: true })
    },
  }
}
