/**
 * The TypeScript user's path: `npm pack` (whose `prepare` builds dist/: here the same build is made
 * into a copy of the package in a temporary folder, so the working tree is not written), the tarball installed into
 * a scratch project in a temporary folder, and a five-line program that imports 'symgrad' and
 * 'symgrad/node', type-checked (strict, NodeNext resolution, the package's own .d.ts files) and
 * run; a page script importing 'symgrad' and 'symgrad/web' bundles for the browser with esbuild. The tarball's dependencies are linked from this repository's node_modules (what `npm
 * install` would fetch), so the test needs no network.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { build } from 'esbuild'

const repo = resolve(import.meta.dirname, '..')
const d = mkdtempSync(join(tmpdir(), 'symgrad-pack-'))
afterAll(() => rmSync(d, { recursive: true, force: true }))

const program = `import { Random, nn, io } from 'symgrad'
import { saveCheckpointOrThrow, loadCheckpoint } from 'symgrad/node'
import { assemble, vectorF32 } from 'symgrad/kernels'
const model = nn.sequential(nn.dense(2, 3))
saveCheckpointOrThrow('run.json', { spec: model.spec, state: { params: model.init(Random.key(0)).params, modelState: {}, optState: null, key: Random.key(0), step: 0, epoch: 0, batch: 0, history: { loss: [], dataLoss: [], learningRate: [], ratio: {}, epochs: [] }, status: 'running' } })
const back = loadCheckpoint('run.json'); console.log(back._tag, io.CHECKPOINT_FORMAT, Object.keys(back._tag === 'Right' ? back.right.state.params : {}).join(','))
console.log(WebAssembly.validate(assemble([])), vectorF32.lanes)
`

describe('the package as a user installs it', () => {
  it('npm pack → install into a scratch project → tsc --strict → run a five-line program; bundle it for a browser', async () => {
    const manifest0 = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(manifest0.scripts['prepare']).toBe('tsc -p tsconfig.build.json')
    const copy = join(d, 'package')
    mkdirSync(copy)
    for (const f of ['package.json', 'README.md', 'bin']) cpSync(join(repo, f), join(copy, f), { recursive: true })
    execFileSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(copy, 'dist')], { cwd: repo, encoding: 'utf8' })
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', d], { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    const [packed] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[]
    const files = packed!.files.map((f) => f.path)
    expect(files).toContain('dist/src/index.js')
    expect(files).toContain('dist/src/index.d.ts')
    expect(files).toContain('dist/src/node/index.d.ts')
    expect(files).toContain('dist/src/kernels/index.d.ts')
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false)

    const app = join(d, 'app')
    const pkg = join(app, 'node_modules', 'symgrad')
    mkdirSync(pkg, { recursive: true })
    execFileSync('tar', ['-xzf', join(d, packed!.filename), '-C', pkg, '--strip-components=1'])
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    for (const dep of [...Object.keys(manifest.dependencies), '@types/node']) {
      mkdirSync(join(app, 'node_modules', dep, '..'), { recursive: true })
      symlinkSync(join(repo, 'node_modules', dep), join(app, 'node_modules', dep))
    }
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], outDir: 'out' }, files: ['main.ts'] }))
    writeFileSync(join(app, 'main.ts'), program)
    execFileSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' })
    const run = execFileSync(process.execPath, ['out/main.js'], { cwd: app, encoding: 'utf8' })
    expect(run).toBe('Right symgrad-checkpoint dense0.W,dense0.b\ntrue 4\n')
    // the CLI of the installed package runs from dist/ (no src/, no tsx)
    const help = execFileSync(process.execPath, [join(pkg, 'bin', 'symgrad.mjs'), 'explain', 'x*y', '--at', 'x=2,y=3'], { cwd: app, encoding: 'utf8' })
    expect(help).toContain('∂f/∂x = y = 3')
    // a bundler user: 'symgrad' and 'symgrad/web' bundle for the browser (no Node built-in reachable; the pool's worker is a Blob URL, no extra file)
    writeFileSync(join(app, 'page.js'), `import { compile, input, matmul } from 'symgrad'\nimport { webThreadPool } from 'symgrad/web'\nconst pool = webThreadPool(navigator.hardwareConcurrency)\nexport const f = compile([matmul(input('a', [2, 3]), input('b', [3, 2]))], { dtype: 'float32', threads: pool })\n`)
    const bundled = await build({ entryPoints: [join(app, 'page.js')], absWorkingDir: app, bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' })
    expect(bundled.errors).toEqual([])
    expect(bundled.outputFiles).toHaveLength(1)
  }, 180_000)
})
