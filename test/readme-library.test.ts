/**
 * The README's "Use symgrad as a library" section runs as written: its TypeScript block is copied
 * into a temporary folder with the package's entries pointed at this repository's sources (and
 * onnxruntime-web at its installed copy), run with tsx, and its output read.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '..')
const dir = mkdtempSync(join(tmpdir(), 'symgrad-readme-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The fenced code blocks of the README section titled `title`. */
export function sectionBlocks(title: string): string[] {
  const text = readFileSync(join(repo, 'README.md'), 'utf8')
  const start = text.indexOf(`\n## ${title}\n`)
  if (start < 0) throw new Error(`README has no section '${title}'`)
  const end = text.indexOf('\n## ', start + 1)
  const section = text.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

describe('README: Use symgrad as a library', () => {
  it('the block runs: trains, saves, loads, predicts, exports ONNX that onnxruntime runs, and writes a formula', () => {
    const blocks = sectionBlocks('Use symgrad as a library')
    expect(blocks).toHaveLength(1)
    const lines = blocks[0]!.split('\n').filter((l) => l.trim() !== '')
    expect(lines.length).toBeLessThanOrEqual(32)
    const entry = (p: string) => `'${pathToFileURL(join(repo, p)).href}'`
    const code = blocks[0]!
      .replace(/'symgrad'/g, entry('src/index.ts'))
      .replace(/'symgrad\/node'/g, entry('src/node/index.ts'))
      .replace(/'onnxruntime-web'/g, `'${import.meta.resolve('onnxruntime-web')}'`)
    const file = join(dir, 'library.mts')
    writeFileSync(file, code)
    const out = execFileSync(join(repo, 'node_modules', '.bin', 'tsx'), [file], { cwd: dir, encoding: 'utf8' })
    const [acc, agrees, nine] = out.trim().split('\n')
    expect(acc).toMatch(/^test accuracy \d+\.\d%$/)
    expect(Number(/(\d+\.\d)%/.exec(acc!)![1])).toBeGreaterThan(80)
    expect(agrees).toBe('onnxruntime agrees: true')
    expect(nine).toBe('9')
  }, 120_000)
})
