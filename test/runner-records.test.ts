/**
 * The `--with` loader (src/runner/records.ts): a user's records module becomes a Registries value,
 * and every hostile module is one line naming the file: missing, not a module, throwing on import,
 * no `records` export, malformed records (each checked by its own define* check), a name taken by a
 * built-in or an earlier module.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { loadRegistries } from '../src/runner/records.js'
import { Registries } from '../src/records/Registries.js'
import { lookupLayer } from '../src/nn/LayerDef.js'
import * as Registry from '../src/ops/Registry.js'
import { amsgrad, isruDense, isruOp, isruVector } from '../examples/my-records.js'

const example = fileURLToPath(new URL('../examples/my-records.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'symgrad-with-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
/** A module file in the temp folder with `text`. */
function module(text: string, ext = '.mjs'): string {
  const p = join(dir, `m${n++}${ext}`)
  writeFileSync(p, text)
  return p
}

async function refusal(paths: readonly string[]): Promise<string> {
  const r = await loadRegistries(paths)
  if (E.isRight(r)) throw new Error('expected a refusal')
  expect(r.left.message).not.toContain('\n')
  return r.left.message
}

describe('--with: loading a records module', () => {
  it('examples/my-records.ts adds its op, layer, optimizer, code and ONNX mapping to the built-ins (the base unchanged)', async () => {
    const r = await loadRegistries([example])
    if (E.isLeft(r)) throw r.left
    expect(Registry.lookup(r.right.ops, 'isru')).toBe(isruOp)
    expect(lookupLayer(r.right.layers, 'isruDense')).toBe(isruDense)
    expect(r.right.optimizers.get('amsgrad')).toBe(amsgrad)
    expect(r.right.backends.vector.get(isruOp)).toBe(isruVector)
    expect(r.right.onnx.has(isruOp)).toBe(true)
    expect(r.right.optimizers.get('adam')).toBe(Registries.builtins.optimizers.get('adam'))
    expect(Registries.builtins.optimizers.has('amsgrad')).toBe(false)
  })

  it('several modules are added in order; the same module twice adds the same records (harmless)', async () => {
    const second = module(`export const records = { optimizers: [{ name: 'plainSgd', summary: 'x ← x − lr·dx', hyper: {}, defaults: {}, build: () => { throw new Error('unused') } }] }`)
    const r = await loadRegistries([example, second, example])
    if (E.isLeft(r)) throw r.left
    expect([...r.right.optimizers.keys()].slice(-2)).toEqual(['amsgrad', 'plainSgd'])
  })

  it('a missing file, a folder, a file of another kind: one line each', async () => {
    expect(await refusal([join(dir, 'nope.ts')])).toMatch(/^--with ".*nope\.ts": no such file$/)
    const sub = join(dir, 'folder.js')
    mkdirSync(sub)
    expect(await refusal([sub])).toMatch(/folder\.js": not a file$/)
    expect(await refusal([module('{}', '.json')])).toMatch(/expected a JavaScript \(\.js, \.mjs, \.cjs\) or TypeScript \(\.ts, \.mts, \.cts\) module, got "\.json"$/)
    expect(await refusal([''])).toContain('expected the path of a records module')
  })

  it('a module that throws on import: one line with its message (first line, quoted)', async () => {
    const m = await refusal([module(`throw new Error('no GPU here\\nstack that goes on')`)])
    expect(m).toMatch(/: importing the module threw: "no GPU here"$/)
    expect(await refusal([module('export const records = {', '.mjs')])).toMatch(/importing the module threw: /)
  })

  it('no records export, or one of the wrong shape', async () => {
    expect(await refusal([module('export const layers = []')])).toMatch(/the module has no 'records' export \(export const records = \{ ops, layers, optimizers, inits, code, onnx \}\)$/)
    expect(await refusal([module('export const records = 3')])).toMatch(/its 'records' export must be \{ ops, layers, optimizers, inits, code, onnx \}, got number$/)
    expect(await refusal([module('export const records = { layers: {} }')])).toMatch(/: layers: expected a list, got object$/)
    expect(await refusal([module('export const records = { ops: [null] }')])).toMatch(/: ops\[0\]: expected a record with a string 'name' \(defineOp\), got null$/)
    expect(await refusal([module('export const records = { gadgets: [] }')])).toMatch(/unknown field 'gadgets' \(expected ops, layers, optimizers, inits, code, onnx\)$/)
  })

  it('each record is checked by its own define* check', async () => {
    const layer = `{ kind: 'gain', options: {}, defaults: {}, prefix: 'gain', params: () => ({}), state: () => ({}), outShape: (_, s) => s, init: () => ({ params: {}, state: {} }), inference: () => 'keep', describe: () => 'gain' }`
    expect(await refusal([module(`export const records = { layers: [${layer}] }`)])).toMatch(/: layers\[0\] 'gain': expected a record made by defineLayer, got one without the function 'apply'$/)
    expect(await refusal([module(`export const records = { layers: [{ ...${layer}, apply: (o, x) => ({ out: x }), kind: 'has space' }] }`)])).toMatch(/records\.layers\[0\]: "defineLayer: kind must be an identifier/)
    expect(await refusal([module(`export const records = { optimizers: [{ name: 'bad', summary: '', hyper: {}, defaults: { b1: 0.9 }, build: () => null }] }`)])).toMatch(/records\.optimizers\[0\]: "defineOptimizer 'bad': default 'b1' is not one of its hyperparameters/)
    expect(await refusal([module(`export const records = { ops: [{ name: 'twice', arity: 1, lowering: 'elementwise' }] }`)])).toMatch(/: ops\[0\] 'twice': expected a record made by defineOp, got one without the function 'shape'$/)
  })

  it('a module building its graphs with another copy of symgrad\'s ops: one line naming the record and the op', async () => {
    const foreign = fileURLToPath(new URL('./support/foreignCopyRecords.ts', import.meta.url))
    expect(await refusal([foreign])).toMatch(/foreignCopyRecords\.ts": records\.layers\[0\] 'twice' builds expressions with another copy of symgrad's op 'mul': import symgrad in the module as this command's own copy is installed/)
  })

  it('a name taken by a built-in or an earlier module: one line naming it', async () => {
    const adam = module(`export const records = { optimizers: [{ name: 'adam', summary: 'mine', hyper: {}, defaults: {}, build: () => null }] }`)
    expect(await refusal([adam])).toMatch(/: optimizer 'adam' is already registered \(a built-in\) as a different record; give yours another name$/)
    const other = module(`export const records = { optimizers: [{ name: 'amsgrad', summary: 'another', hyper: {}, defaults: {}, build: () => null }] }`)
    expect(await refusal([example, other])).toMatch(/m\d+\.mjs": optimizer 'amsgrad' is already registered as a different record/)
  })
})
