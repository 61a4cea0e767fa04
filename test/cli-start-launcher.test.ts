/**
 * The launchers (bin/start.mjs for `npm start`, bin/symgrad.mjs for `symgrad`, one rule in
 * bin/launch.mjs): they run the built entry only when dist/ is current — every source in src/ has
 * its compiled file, written no earlier than the source — and the sources otherwise, so an edited
 * source is never run from an older build; `symgrad --with` runs the sources in the repository.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const launcher = join(process.cwd(), 'bin', 'start.mjs')
const { distCurrent } = (await import(join(process.cwd(), 'bin', 'launch.mjs'))) as { distCurrent: (root: string) => boolean }

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

/**
 * A copy of the repository's layout in a temporary folder: the real launchers in bin/ and
 * package.json (an ES module package), the real node_modules (linked, for tsx), and a CLI entry in src/ and in dist/ that each print which one ran
 * and the arguments; sources at t = 1000 s, build at 2000 s.
 */
function layout(): string {
  const root = mkdtempSync(join(tmpdir(), 'symgrad-bin-'))
  mkdirSync(join(root, 'bin'))
  for (const f of ['launch.mjs', 'symgrad.mjs']) copyFileSync(join(process.cwd(), 'bin', f), join(root, 'bin', f))
  copyFileSync(join(process.cwd(), 'package.json'), join(root, 'package.json'))
  symlinkSync(join(process.cwd(), 'node_modules'), join(root, 'node_modules'), 'dir')
  const files = [
    ['src/cli/bin.ts', "const ran: string = 'sources'\nconsole.log(ran, JSON.stringify(process.argv.slice(2)))\n", 1000],
    ['dist/src/cli/bin.js', "console.log('dist', JSON.stringify(process.argv.slice(2)))\n", 2000],
  ] as const
  for (const [file, text, at] of files) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    writeFileSync(join(root, file), text)
    utimesSync(join(root, file), at, at)
  }
  return root
}

/** What `node bin/symgrad.mjs …args` ran in the layout at `root`: 'dist' or 'sources'. */
function ran(root: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'symgrad.mjs'), ...args], { encoding: 'utf8', timeout: 30_000 })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  const [which, argv] = r.stdout.trim().split(' ')
  expect(JSON.parse(argv!)).toEqual(args)
  return which!
}

describe('symgrad runs the build when it is current, and the sources for --with in the repository', () => {
  it('current build: dist; a source edited after it: the sources; rebuilt: dist again', () => {
    const root = layout()
    try {
      expect(ran(root, '--help')).toBe('dist')
      utimesSync(join(root, 'src/cli/bin.ts'), 2500, 2500)
      expect(ran(root, '--help')).toBe('sources')
      utimesSync(join(root, 'dist/src/cli/bin.js'), 3000, 3000)
      expect(ran(root, 'train', '--data', 'spiral')).toBe('dist')
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('--with (either spelling) runs the sources though the build is current, so the records module shares the CLI\'s copy of symgrad', () => {
    const root = layout()
    try {
      expect(distCurrent(root)).toBe(true)
      expect(ran(root, 'train', '--with', 'examples/my-records.ts', '--epochs', '1')).toBe('sources')
      expect(ran(root, 'predict', '--with=records.mjs')).toBe('sources')
      expect(ran(root, 'train', '--without-this-flag')).toBe('dist')
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('an installed package (dist/ without src/) runs dist/, with --with too', () => {
    const root = layout()
    try {
      rmSync(join(root, 'src'), { recursive: true })
      expect(ran(root, '--help')).toBe('dist')
      expect(ran(root, 'train', '--with', 'records.mjs')).toBe('dist')
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
