/**
 * The record names a run config or checkpoint uses (records/recordNames.ts): what a queue job
 * carries instead of code, resolved by each worker in its own registries; a name it lacks is one
 * line naming the record, where it is written, and the --with flag.
 */
import { describe, expect, it } from 'vitest'
import { checkpointNamesOf, missingInCheckpoint, missingRecord, recordNamesOf } from '../src/records/recordNames.js'
import { Registries } from '../src/records/Registries.js'
import { amsgrad, isruDense, isruOp } from '../examples/my-records.js'

const mine = Registries.extendOrThrow(Registries.builtins, { ops: [isruOp], layers: [isruDense], optimizers: [amsgrad] })
const run = {
  optimizer: 'amsgrad', init: 'he',
  layers: [{ kind: 'isruDense', in: 2, out: 4 }, { kind: 'residual', layers: [{ kind: 'dense', in: 4, out: 4, init: 'xavier' }] }, { kind: 'dense', in: 4, out: 3 }],
}

describe('record names of a run config', () => {
  it('lists the optimizer, the init, each layer kind (layers inside layers too) and the inits layers give, with where each is written', () => {
    expect(recordNamesOf(run, 'job.config')).toEqual([
      { family: 'optimizer', name: 'amsgrad', at: 'job.config.optimizer' },
      { family: 'init', name: 'he', at: 'job.config.init' },
      { family: 'layer kind', name: 'isruDense', at: 'job.config.layers[0].kind' },
      { family: 'layer kind', name: 'residual', at: 'job.config.layers[1].kind' },
      { family: 'layer kind', name: 'dense', at: 'job.config.layers[1].layers[0].kind' },
      { family: 'init', name: 'xavier', at: 'job.config.layers[1].layers[0].init' },
      { family: 'layer kind', name: 'dense', at: 'job.config.layers[2].kind' },
    ])
    expect(recordNamesOf('not a config')).toEqual([])
    expect(recordNamesOf({ optimizer: 3, layers: 'x' })).toEqual([])
  })

  it('a name the registries lack is one line naming it and saying to start with --with; with the records, nothing is missing', () => {
    expect(missingRecord(run, mine, 'job.config', 'this worker')).toBeUndefined()
    const m = missingRecord(run, Registries.builtins, 'job.config', 'this worker')!
    expect(m.message).toBe("job.config.optimizer: optimizer 'amsgrad' is not a built-in nor in this worker's --with records (did you mean 'adagrad'?); start this worker with --with <the records module that defines it>")
    const layerOnly = missingRecord({ ...run, optimizer: 'adam' }, Registries.builtins, 'job.config', 'this worker')!
    expect(layerOnly.message).toMatch(/^job\.config\.layers\[0\]\.kind: layer kind 'isruDense' is not a built-in nor in this worker's --with records; start this worker with --with /)
    expect(missingRecord({ layers: [{ kind: 'x\u001b[31m' }] }, Registries.builtins, 'c', 'w')!.message).not.toContain('\u001b')
  })

  it('a checkpoint: its run\'s names and its model spec\'s layer kinds', () => {
    const ck = { run: { optimizer: 'adam' }, spec: { layers: [{ kind: 'isruDense', in: 2, out: 3 }] } }
    expect(checkpointNamesOf(ck).map((n) => n.at)).toEqual(['checkpoint.spec.layers[0].kind', 'checkpoint.run.optimizer'])
    expect(missingInCheckpoint(ck, mine, 'symgrad predict')).toBeUndefined()
    expect(missingInCheckpoint(ck, Registries.builtins, 'symgrad predict')!.message).toMatch(/^checkpoint\.spec\.layers\[0\]\.kind: layer kind 'isruDense' is not a built-in nor in symgrad predict's --with records/)
  })
})
