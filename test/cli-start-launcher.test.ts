/**
 * `npm start`'s launcher (bin/start.mjs): it runs the built CLI only when dist/ is current — every
 * source in src/ has its compiled file, written no earlier than the source — and the sources
 * otherwise, so an edited source is never run from an older build.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const launcher = join(process.cwd(), 'bin', 'start.mjs')
const { distCurrent } = (await import(launcher)) as { distCurrent: (root: string) => boolean }

/** A checkout with src/a.ts, src/cli/b.ts (and a declaration file) and their compiled files; sources at t = 1000 s, builds at 2000 s. */
function checkout(): string {
  const root = mkdtempSync(join(tmpdir(), 'symgrad-launcher-'))
  for (const [file, at] of [['src/a.ts', 1000], ['src/cli/b.ts', 1000], ['src/cli/c.d.ts', 3000], ['dist/src/a.js', 2000], ['dist/src/cli/b.js', 2000]] as const) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    writeFileSync(join(root, file), '')
    utimesSync(join(root, file), at, at)
  }
  return root
}

describe('npm start runs the build only when it is current', () => {
  it('npm start is the launcher', () => {
    expect((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start']).toBe('node bin/start.mjs')
  })

  it('the launcher reaches the main job\'s argument check (built or from the sources): a bad flag exits 2 with one line', () => {
    const r = spawnSync(process.execPath, [launcher, '--epochs', '-3'], { encoding: 'utf8', timeout: 30_000 })
    expect(r.status).toBe(2)
    expect(r.stderr.trim()).toBe('symgrad: --epochs: expected a positive integer, got -3')
  })

  it('current when every source has an older-or-equal compiled file; stale when one is edited after the build or has none', () => {
    const root = checkout()
    try {
      expect(distCurrent(root)).toBe(true)
      utimesSync(join(root, 'src/cli/b.ts'), 2500, 2500)
      expect(distCurrent(root)).toBe(false)
      utimesSync(join(root, 'src/cli/b.ts'), 2000, 2000)
      expect(distCurrent(root)).toBe(true)
      writeFileSync(join(root, 'src/cli/new.ts'), '')
      utimesSync(join(root, 'src/cli/new.ts'), 1000, 1000)
      expect(distCurrent(root)).toBe(false)
      rmSync(join(root, 'src/cli/new.ts'))
      rmSync(join(root, 'dist'), { recursive: true })
      expect(distCurrent(root)).toBe(false)
      // an installed package ships dist/ without src/
      rmSync(join(root, 'src'), { recursive: true })
      expect(distCurrent(root)).toBe(true)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
