/** One Registries value: the built-ins of every family, extend with a user's records, collisions, no mutation. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { Registries } from '../src/records/Registries.js'
import * as Registry from '../src/ops/Registry.js'
import { builtinOps } from '../src/ops/builtins.js'
import { builtinLayers } from '../src/nn/builtinLayers.js'
import { initDefs } from '../src/nn/init.js'
import { builtinOptimizers } from '../src/optim/registry.js'
import { builtinOnnx } from '../src/onnx/table.js'
import { reluOp } from '../src/ops/builtins.js'
import { user } from './support/userRecords.js'

const leftMessage = (r: E.Either<Error, unknown>): string => (E.isLeft(r) ? r.left.message : 'no error')

describe('Registries.builtins', () => {
  it('holds every built-in op, layer kind, initializer, optimizer and ONNX mapping, and no extra code', () => {
    const b = Registries.builtins
    expect(Registry.list(b.ops)).toEqual([...builtinOps])
    expect([...b.layers.defs.values()]).toEqual([...builtinLayers.defs.values()])
    expect([...b.layers.defs.keys()]).toEqual(expect.arrayContaining(['dense', 'conv', 'residual', 'standardize']))
    expect([...b.inits.values()]).toEqual([...initDefs])
    expect([...b.optimizers.keys()]).toEqual([...builtinOptimizers.keys()])
    expect([...b.optimizers.keys()]).toEqual(expect.arrayContaining(['sgd', 'adam', 'adamw', 'adadelta']))
    expect(b.onnx).toBe(builtinOnnx)
    expect([b.backends.elementwise.size, b.backends.kernels.size, b.backends.vector.size, b.backends.runtime.size]).toEqual([0, 0, 0, 0])
  })
})

describe('Registries.extend', () => {
  it('adds a user op, layer, optimizer, init, code and ONNX mapping to a new value', () => {
    const r = Registries.extendOrThrow(Registries.builtins, user.records)
    expect(Registry.lookup(r.ops, 'softsign')).toBe(user.softsignOp)
    expect(r.layers.defs.get('gain')).toBe(user.gainLayer)
    expect(r.optimizers.get('signSgd')).toBe(user.signSgd)
    expect(r.inits.get('lecun')).toBe(user.lecun)
    expect(r.backends.elementwise.has(user.softsignOp)).toBe(true)
    expect(r.backends.vector.has(user.softsignOp)).toBe(true)
    expect(r.onnx.get(user.softsignOp)).toBe(user.records.onnx![0]![1])
    expect(r.onnx.get(reluOp)).toBe(builtinOnnx.get(reluOp))
  })

  it('never changes its base', () => {
    const before = { ops: Registries.builtins.ops.ops.size, layers: Registries.builtins.layers.defs.size, inits: Registries.builtins.inits.size, optimizers: Registries.builtins.optimizers.size, onnx: Registries.builtins.onnx.size, code: Registries.builtins.backends.elementwise.size }
    const base = Registries.extendOrThrow(Registries.builtins, { ops: [user.softsignOp] })
    Registries.extendOrThrow(base, { layers: [user.gainLayer], code: user.records.code! })
    expect({ ops: Registries.builtins.ops.ops.size, layers: Registries.builtins.layers.defs.size, inits: Registries.builtins.inits.size, optimizers: Registries.builtins.optimizers.size, onnx: Registries.builtins.onnx.size, code: Registries.builtins.backends.elementwise.size }).toEqual(before)
    expect(base.layers.defs.has('gain')).toBe(false)
    expect(base.backends.elementwise.size).toBe(0)
  })

  it('takes the same record twice without complaint', () => {
    const once = Registries.extendOrThrow(Registries.builtins, user.records)
    const twice = Registries.extendOrThrow(once, user.records)
    expect(twice.layers.defs.size).toBe(once.layers.defs.size)
  })

  it('refuses a name taken by a different record with one line naming the name and its registry', () => {
    const b = Registries.builtins
    const cases: [object, RegExp][] = [
      [{ ops: [{ ...user.softsignOp, name: 'relu' }] }, /^Registries\.extend: op 'relu' is already registered \(a built-in\)/],
      [{ layers: [{ ...user.gainLayer, kind: 'dense' }] }, /layer kind 'dense' is already registered \(a built-in\)/],
      [{ optimizers: [{ ...user.signSgd, name: 'adam' }] }, /optimizer 'adam' is already registered \(a built-in\)/],
      [{ inits: [{ ...user.lecun, name: 'he' }] }, /init 'he' is already registered \(a built-in\)/],
      [{ onnx: [[reluOp, user.records.onnx![0]![1]]] }, /onnx: op 'relu' already has a built-in mapping/],
      [{ code: user.records.code }, /code\.elementwise: op 'softsign' is not in the ops registry/],
      [{ ops: [user.softsignOp], code: { elementwise: [[{ ...user.softsignOp }, () => '0']] } }, /op 'softsign' is a different record/],
      [{ layer: [user.gainLayer] }, /unknown field 'layer' \(expected ops, layers, optimizers, inits, code, onnx\)/],
      [{ layers: user.gainLayer }, /layers: expected a list, got object/],
      [{ layers: [{ kind: 'half' }] }, /^Registries\.extend: layers\[0\] 'half': expected a record made by defineLayer, got one without the function 'params'$/],
      [{ optimizers: [{ name: 3 }] }, /^Registries\.extend: optimizers\[0\]: expected a record with a string 'name' \(defineOptimizer\), got object$/],
      [{ code: { elementwise: [[user.softsignOp, () => '0']], scalar: [] } }, /code: unknown field 'scalar' \(expected elementwise, kernels, vector, runtime\)/],
    ]
    for (const [records, re] of cases) {
      const m = leftMessage(Registries.extend(b, records as never))
      expect(m).toMatch(re)
      expect(m).not.toContain('\n')
    }
    const withGain = Registries.extendOrThrow(b, { layers: [user.gainLayer] })
    expect(leftMessage(Registries.extend(withGain, { layers: [{ ...user.gainLayer }] }))).toMatch(/layer kind 'gain' is already registered as a different record/)
    const withCode = Registries.extendOrThrow(b, { ops: [user.softsignOp], code: { elementwise: user.records.code!.elementwise! } })
    expect(leftMessage(Registries.extend(withCode, { code: { elementwise: [[user.softsignOp, () => '0']] } }))).toMatch(/code\.elementwise: op 'softsign' already has different code/)
    expect(() => Registries.extendOrThrow(b, { layers: [{ ...user.gainLayer, kind: 'dense' }] })).toThrow(/layer kind 'dense'/)
  })
})
