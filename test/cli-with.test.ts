/**
 * `--with <module>` on the command line, in process: `symgrad train --with examples/my-records.ts`
 * trains a run config naming the module's layer kind and optimizer, the checkpoint names them, and
 * resume, predict and export read it back with `--with` and refuse it without (one line naming the
 * record and the flag); every hostile module is one line and exit status 2, nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import { loadCheckpoint } from '../src/records/files.js'
import { Registries } from '../src/records/Registries.js'
import { records } from '../examples/my-records.js'
import { quietly, withOutput } from './support/quietCli.js'

const example = fileURLToPath(new URL('../examples/my-records.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'symgrad-cli-with-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const at = (f: string) => join(dir, f)

/** A run of the module's isruDense layer and AMSGrad on the spiral, small enough for a test. */
const run = {
  data: 'spiral', optimizer: 'amsgrad', learningRate: 0.02, schedule: 'constant', hyper: { b2: 0.99 }, batchSize: 32, epochs: 2,
  preprocess: 'none', shift: 0, l2: 1e-3, dtype: 'float64',
  layers: [{ kind: 'isruDense', in: 2, out: 16 }, { kind: 'dense', in: 16, out: 3 }],
}
writeFileSync(at('run.json'), JSON.stringify(run))
writeFileSync(at('rows.csv'), '0,0.1,0.2\n1,-0.5,0.3\n2,0.7,-0.9\n')

const oneLine = (stderr: string) => {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1)
  return stderr.trimEnd()
}

describe('symgrad train --with examples/my-records.ts', () => {
  it('trains a run naming its layer kind and optimizer; the checkpoint names them, and the layer\'s weight `kernel` gets the L2 penalty', async () => {
    const r = await withOutput(['train', '--with', example, '--config', at('run.json'), '--save', at('ck.json'), '--report', at('report'), '--no-babysit', '--threads', '1'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.out.join('\n')).toMatch(/optimizer: amsgrad \{"b2":0\.99\}, learning rate 0\.02 \(constant\)/)
    expect(r.out.join('\n')).toMatch(/^symgrad: spiral \(420 train \/ 90 validation \/ 90 test\), layers isruDense → dense \(99 parameters\), /)
    expect(r.out.join('\n')).toMatch(/test accuracy: \d+\.\d%/)
    const ck = JSON.parse(readFileSync(at('ck.json'), 'utf8')) as { spec: { layers: { kind: string; name: string }[] }; run: { optimizer: string }; state: { params: Record<string, unknown>; optState: unknown } }
    expect(ck.spec.layers.map((l) => l.kind)).toEqual(['isruDense', 'dense'])
    expect(ck.run.optimizer).toBe('amsgrad')
    expect(Object.keys(ck.state.params).sort()).toEqual(['dense0.W', 'dense0.b', 'isru0.bias', 'isru0.kernel'])
    expect(JSON.stringify(ck.state)).toContain('vHat')
    // the same run with a strong L2 penalty: the kernel (declared a weight) comes out smaller, the bias (not one) is not penalized
    writeFileSync(at('run-l2.json'), JSON.stringify({ ...run, l2: 0.5 }))
    const strong = await quietly(['train', '--with', example, '--config', at('run-l2.json'), '--save', at('ck-l2.json'), '--report', at('report-l2'), '--no-babysit', '--threads', '1'])
    expect(strong.code, strong.stderr).toBe(0)
    const registries = Registries.extendOrThrow(Registries.builtins, records)
    const sumSq = (f: string, k: string) => {
      const c = loadCheckpoint(at(f), { registries })
      if (E.isLeft(c)) throw c.left
      return c.right.state.params[k]!.data.reduce((a, v) => a + v * v, 0)
    }
    expect(sumSq('ck-l2.json', 'isru0.kernel')).toBeLessThan(0.5 * sumSq('ck.json', 'isru0.kernel'))
  })

  it('--resume and predict read the checkpoint with --with; without it, one line naming the record and --with', async () => {
    const resumed = await withOutput(['train', '--with', example, '--resume', at('ck.json'), '--epochs', '3', '--report', at('report2'), '--threads', '1'])
    expect(resumed.stderr).toBe('')
    expect(resumed.code).toBe(0)
    expect(resumed.out.join('\n')).toMatch(/resuming at epoch 3, step \d+/)

    const without = await quietly(['train', '--resume', at('ck.json'), '--epochs', '3', '--report', at('report3')])
    expect(without.code).toBe(2)
    expect(oneLine(without.stderr)).toMatch(/^symgrad: .*ck\.json: checkpoint\.spec\.layers\[0\]\.kind: layer kind 'isruDense' is not a built-in nor in symgrad train's --with records; start symgrad train with --with /)
    expect(existsSync(at('report3'))).toBe(false)

    const p = await withOutput(['predict', '--with', example, '--model', at('ck.json'), '--input', at('rows.csv')])
    expect(p.stderr).toBe('')
    expect(p.code).toBe(0)
    expect(p.out.filter((l) => /^row \d+/.test(l) || /%/.test(l)).length).toBeGreaterThanOrEqual(3)
    const bare = await quietly(['predict', '--model', at('ck.json'), '--input', at('rows.csv')])
    expect(bare.code).toBe(2)
    expect(oneLine(bare.stderr)).toMatch(/layer kind 'isruDense' is not a built-in nor in symgrad predict's --with records; start symgrad predict with --with /)
  })

  it('export --with writes ONNX through the module\'s mapping of isru (x / √(x·x + 1))', async () => {
    const r = await withOutput(['export', '--with', example, '--onnx', at('m.onnx'), at('ck.json')])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.out.join('\n')).toMatch(/operators: .*Sqrt/)
    expect(existsSync(at('m.onnx'))).toBe(true)
    const bare = await quietly(['export', '--onnx', at('m2.onnx'), at('ck.json')])
    expect(bare.code).toBe(2)
    expect(oneLine(bare.stderr)).toMatch(/isruDense.*--with/)
    expect(existsSync(at('m2.onnx'))).toBe(false)
  })

  it('a run config naming the module\'s optimizer, without --with: one line naming it and --with', async () => {
    const r = await quietly(['train', '--config', at('run.json'), '--report', at('report4')])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/config\.optimizer: optimizer 'amsgrad' is not a built-in nor in symgrad train's --with records \(did you mean 'adagrad'\?\); start symgrad train with --with /)
  })

  it('ensemble, finetune and check take --with too', async () => {
    const ens = await withOutput(['ensemble', '--with', example, '--config', at('run.json'), '--models', '2', '--epochs', '1', '--threads', '1'])
    expect(ens.stderr).toBe('')
    expect(ens.code).toBe(0)
    expect(ens.out.join('\n')).toMatch(/^ensemble of 2 × layers isruDense → dense on spiral/)
    expect(ens.out.join('\n')).toMatch(/ensemble \(mean of probabilities\): test accuracy \d+\.\d%/)
    const ft = await withOutput(['finetune', '--with', example, '--from', at('ck.json'), '--data', 'spiral', '--epochs', '1', '--save', at('ft.json'), '--report', at('report-ft'), '--threads', '1'])
    expect(ft.stderr).toBe('')
    expect(ft.code).toBe(0)
    expect(existsSync(at('ft.json'))).toBe(true)
    const bareFt = await quietly(['finetune', '--from', at('ck.json'), '--data', 'spiral', '--epochs', '1', '--report', at('report-ft2')])
    expect(bareFt.code).toBe(2)
    expect(oneLine(bareFt.stderr)).toMatch(/layer kind 'isruDense' is not a built-in nor in symgrad finetune's --with records; start symgrad finetune with --with /)
    const check = await withOutput(['check', '--with', example, '--config', at('run.json')])
    expect(check.code).toBe(0)
    expect(check.out.join('\n')).toMatch(/^model: layers isruDense → dense on spiral/)
  })
})

describe('a run config\'s layers', () => {
  it('are the whole model: a flag or field that shapes the built-in models is refused, naming it; a bad layer is one line naming it', async () => {
    const flag = await quietly(['train', '--with', example, '--config', at('run.json'), '--hidden', '50', '--report', at('never-l')])
    expect(flag.code).toBe(2)
    expect(oneLine(flag.stderr)).toBe('symgrad: --hidden: does not apply to a run whose "layers" are its model (give each layer its options there)')
    writeFileSync(at('run-both.json'), JSON.stringify({ ...run, model: 'convnet' }))
    const field = await quietly(['train', '--with', example, '--config', at('run-both.json'), '--report', at('never-l')])
    expect(field.code).toBe(2)
    expect(oneLine(field.stderr)).toMatch(/run-both\.json: config\.model: does not apply to a run whose "layers" are its model/)
    writeFileSync(at('run-wide.json'), JSON.stringify({ ...run, layers: [{ kind: 'isruDense', in: 3, out: 16 }, { kind: 'dense', in: 16, out: 3 }] }))
    const wide = await quietly(['train', '--with', example, '--config', at('run-wide.json'), '--report', at('never-l')])
    expect(wide.code).toBe(2)
    expect(oneLine(wide.stderr)).toBe("symgrad: config.layers: layer 0 'isru0' expected input width 3, got 2 from the layer before")
    writeFileSync(at('run-classes.json'), JSON.stringify({ ...run, layers: [{ kind: 'isruDense', in: 2, out: 4 }] }))
    const classes = await quietly(['train', '--with', example, '--config', at('run-classes.json'), '--report', at('never-l')])
    expect(classes.code).toBe(2)
    expect(oneLine(classes.stderr)).toBe('symgrad: config.layers: the last layer gives width 4, but the data has 3 classes')
    expect(existsSync(at('never-l'))).toBe(false)
  })
})

describe('--with refusals: one line, exit status 2, nothing written', () => {
  let n = 0
  const module = (text: string, ext = '.mjs') => {
    const p = at(`bad${n++}${ext}`)
    writeFileSync(p, text)
    return p
  }
  const cases: readonly (readonly [string, () => string, RegExp])[] = [
    ['a missing file', () => at('nowhere.ts'), /^symgrad: --with ".*nowhere\.ts": no such file$/],
    ['a module that throws on import', () => module("throw new Error('cannot start: no licence')"), /: importing the module threw: "cannot start: no licence"$/],
    ['no records export', () => module('export const layers = []'), /: the module has no 'records' export/],
    ['records of the wrong shape', () => module('export const records = { optimizers: "amsgrad" }'), /: optimizers: expected a list, got string$/],
    ['a record its define* check refuses', () => module("export const records = { optimizers: [{ name: '9lives', summary: '', hyper: {}, defaults: {}, build: () => null }] }"), /records\.optimizers\[0\]: "defineOptimizer: the name must start with a letter/],
    ['a name a built-in has', () => module("export const records = { optimizers: [{ name: 'sgd', summary: '', hyper: {}, defaults: {}, build: () => null }] }"), /: optimizer 'sgd' is already registered \(a built-in\) as a different record; give yours another name$/],
    ['a file of another kind', () => module('{}', '.json'), /: expected a JavaScript \(\.js, \.mjs, \.cjs\) or TypeScript \(\.ts, \.mts, \.cts\) module, got "\.json"$/],
  ]
  for (const [what, path, message] of cases)
    it(what, async () => {
      const p = path()
      for (const argv of [
        ['train', '--with', p, '--data', 'spiral', '--epochs', '1', '--save', at('never.json'), '--report', at('never')],
        ['search', `--with=${p}`, '--data', 'spiral', '--trials', '1', '--out', at('never/best.json')],
        ['worker', '--with', example, '--with', p, '--queue', 'redis://127.0.0.1:1'],
      ]) {
        const r = await quietly(argv)
        expect(r.code).toBe(2)
        expect(oneLine(r.stderr)).toMatch(message)
      }
      expect(existsSync(at('never.json'))).toBe(false)
      expect(existsSync(at('never'))).toBe(false)
    })

  it('--with without a path, and on a command that takes none', async () => {
    const r = await quietly(['train', '--with'])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toBe('symgrad: train: --with needs the path of a records module')
    const g = await quietly(['gradcheck', '--with', example])
    expect(g.code).toBe(2)
    expect(oneLine(g.stderr)).toMatch(/^symgrad: gradcheck: unknown flag --with/)
  })
})
