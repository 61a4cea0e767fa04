// The launchers' one rule (bin/symgrad.mjs, bin/start.mjs): run the built entry in dist/ when dist/
// is current — every source file in src/ has its compiled file, written after the source was last
// changed (`npm ci` builds dist/ through npm's `prepare`; `npm run build` refreshes it) — and
// otherwise the sources through tsx's loader, so an edited source is never run from an older build.
// Running the build spares the start-up of the loader (about half a second). An installed package
// ships dist/ without src/ and always runs the build.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Whether every `src/**.ts` has a `dist/src/**.js` at least as new as it (true without src/: an installed package). */
export function distCurrent(dir = root) {
  const walk = (rel) => {
    for (const e of readdirSync(path.join(dir, 'src', rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name)
      if (e.isDirectory()) {
        if (!walk(r)) return false
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const js = statSync(path.join(dir, 'dist', 'src', r.slice(0, -3) + '.js'), { throwIfNoEntry: false })
        if (js === undefined || js.mtimeMs < statSync(path.join(dir, 'src', r)).mtimeMs) return false
      }
    }
    return true
  }
  return !existsSync(path.join(dir, 'src')) || walk('')
}

/**
 * Runs the entry `src/<entry>.ts` (e.g. 'cli/bin'): from the sources through tsx when src/ is
 * present and either `sources` is asked for or dist/ is not current, else `dist/src/<entry>.js`.
 */
export async function launch(entry, { sources = false } = {}) {
  if (existsSync(path.join(root, 'src')) && (sources || !distCurrent())) {
    const { register } = await import('tsx/esm/api')
    register()
    await import(new URL(`../src/${entry}.ts`, import.meta.url).href)
  } else await import(new URL(`../dist/src/${entry}.js`, import.meta.url).href)
}
