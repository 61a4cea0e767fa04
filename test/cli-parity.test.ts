/**
 * The command line reaches what the library has: activations, batch norm, dropout, every optimizer
 * kind and every schedule, with a header line stating the optimizer and schedule in force;
 * per-dataset defaults (spiral trains well with no flags); "did you mean" for flags; progress per
 * ensemble member; search's table starts at once and fills its note column.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { parseArgs } from '../src/cli/args.js'
import { configFlags, configFromArgs, dataDefaults } from '../src/cli/commands.js'
import { runCli } from '../src/cli/main.js'
import { optimizerNames } from '../src/optim/OptimizerDef.js'
import { builtinOptimizers } from '../src/optim/registry.js'
import { defaultRunConfig, runSchedules } from '../src/train/config.js'
import { formatTable } from '../src/train/search.js'
import { withOutput } from './support/quietCli.js'

const d = mkdtempSync(join(tmpdir(), 'symgrad-parity-'))
afterAll(() => rmSync(d, { recursive: true, force: true }))
const quick = ['--data', 'spiral', '--no-babysit', '--report', join(d, 'report'), '--epochs', '1', '--hidden', '8', '--batch', '64']

const lines = withOutput

describe('symgrad train: the library through flags', () => {
  it('--activation, --batchnorm, --dropout and the optimizer/schedule header', async () => {
    const r = await lines(['train', ...quick, '--activation', 'tanh', '--batchnorm', '--dropout', '0.2', '--optimizer', 'adamw', '--schedule', 'warmup'])
    expect([r.code, r.stderr]).toEqual([0, ''])
    expect(r.out[0]).toContain('mlp [2, 8, 3] tanh + batch norm + dropout (keep 0.8), batch 64, 1 epochs')
    expect(r.out[1]).toBe('optimizer: adamw, learning rate 0 → 0.01 over 1 epoch, then constant (warmup)')
  }, 30_000)

  it('every optimizer kind and every schedule trains, and the header says which is in force', async () => {
    const heads: string[] = []
    for (const optimizer of optimizerNames(builtinOptimizers)) {
      const r = await lines(['train', ...quick, '--optimizer', optimizer])
      expect([optimizer, r.code, r.stderr]).toEqual([optimizer, 0, ''])
      heads.push(r.out[1]!)
    }
    for (const schedule of runSchedules) {
      const r = await lines(['train', ...quick, '--optimizer', 'momentum', '--lr', '0.05', '--schedule', schedule, '--decay', '0.5'])
      expect([schedule, r.code, r.stderr]).toEqual([schedule, 0, ''])
      heads.push(r.out[1]!)
    }
    const kinds = optimizerNames(builtinOptimizers)
    // each kind's line names it (and μ for the momentum kinds) with its constant learning rate (spiral's default)
    kinds.forEach((k, i) => expect(heads[i]).toBe(`optimizer: ${k}${k === 'momentum' || k === 'nesterov' ? ' (μ 0.9)' : ''}, learning rate 0.01 (constant)`))
    expect(heads.slice(kinds.length)).toEqual([
      'optimizer: momentum (μ 0.9), learning rate 0.05 (constant)',
      'optimizer: momentum (μ 0.9), learning rate 0.05 × 0.5 every 1 epoch (step)',
      'optimizer: momentum (μ 0.9), learning rate 0.05 × 0.5 per 1 epoch, smoothly (exponential)',
      'optimizer: momentum (μ 0.9), learning rate 0.05/(1 + k·t), × 0.5 after 1 epoch (inverseTime)',
      'optimizer: momentum (μ 0.9), learning rate 0 → 0.05 over 1 epoch, then constant (warmup)',
    ])
    expect(kinds).toContain('adamw')
  }, 120_000)

  it('--dropout is refused outside [0, 1) and together with --keep; a misspelled flag gets a suggestion', async () => {
    expect(await runCli(['train', ...quick, '--dropout', '1'])).toEqual({ code: 2, stderr: 'symgrad: --dropout: expected a probability in [0, 1), got 1\n' })
    expect(await runCli(['train', ...quick, '--dropout', '0.1', '--keep', '0.5'])).toEqual({ code: 2, stderr: 'symgrad: --dropout and --keep say the same thing (keep = 1 − dropout): give one of them\n' })
    expect(await runCli(['train', '--activaton', 'tanh'])).toEqual({ code: 2, stderr: 'symgrad: train: unknown flag --activaton (did you mean --activation?)\n' })
    expect(await runCli(['train', '--batch-norm'])).toEqual({ code: 2, stderr: 'symgrad: train: unknown flag --batch-norm (did you mean --batchnorm?)\n' })
  })

  it('per-dataset defaults: --data spiral alone trains spiral well; flags and files still win', async () => {
    const c = configFromArgs(parseArgs(['--data', 'spiral'], configFlags, 'train'), { base: defaultRunConfig, perData: true })
    expect(c).toEqual({ ...defaultRunConfig, ...dataDefaults['spiral'], data: 'spiral' })
    expect(configFromArgs(parseArgs(['--data', 'spiral', '--lr', '0.2'], configFlags, 'train'), { base: defaultRunConfig, perData: true }).learningRate).toBe(0.2)
    const r = await lines(['train', '--data', 'spiral', '--no-babysit', '--report', join(d, 'report')])
    expect(r.code).toBe(0)
    const acc = Number(/test accuracy: ([\d.]+)%/.exec(r.out.join('\n'))![1])
    expect(acc).toBeGreaterThanOrEqual(95)
  }, 60_000)
})

describe('ensemble and search output', () => {
  it('ensemble prints progress for each member', async () => {
    const r = await lines(['ensemble', '--data', 'spiral', '--models', '2', '--epochs', '2', '--hidden', '8'])
    expect(r.code).toBe(0)
    const progress = r.out.filter((l) => /^member \d\/2: epoch/.test(l)).map((l) => l.replace(/, loss.*/, ''))
    expect(progress).toEqual(['member 1/2: epoch 1/2', 'member 1/2: epoch 2/2', 'member 2/2: epoch 1/2', 'member 2/2: epoch 2/2'])
  }, 60_000)

  it("search's table: a note on every row", () => {
    const table = formatTable([
      { trial: 0, point: { learningRate: 0.1 }, score: 0.9, trainAccuracy: 0.99 },
      { trial: 1, point: { learningRate: 0.01 }, score: 0.95, trainAccuracy: 0.96 },
      { trial: 2, point: { learningRate: 3 }, score: NaN, error: 'non-finite at step 4' },
    ])
    expect(table.split('\n').slice(2).map((l) => l.replace(/^.*%\s+|^.*—\s+/, ''))).toEqual([
      'best',
      '5.0 points below the best; overfits (train − validation 9.0 points)',
      'non-finite at step 4',
    ])
  })

  it('search starts with the round line, not a blank line', async () => {
    const r = await lines(['search', '--data', 'spiral', '--trials', '1', '--workers', '1', '--hidden', '8', '--out', join(d, 'best.json')])
    expect(r.code).toBe(0)
    expect(r.out[0]).toMatch(/^round 1\/1: 1 random trials/)
  }, 60_000)
})
