/**
 * `--model convnet|lenet` on data they cannot take (rows that are no image, images too small for
 * their kernels) is one line and exit 2 in every command that builds a model — train, search,
 * ensemble, train --resume — checked before any work, never an uncaught ShapeError.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quietly } from './support/quietCli.js'
import { defaultRunConfig, modelFor } from '../src/train/config.js'

const d = mkdtempSync(join(tmpdir(), 'symgrad-model-data-'))
const f = (name: string) => join(d, name)
afterAll(() => rmSync(d, { recursive: true, force: true }))

const csv = (features: number) => Array.from({ length: 40 }, (_, i) => [i % 2, ...Array.from({ length: features }, (_, j) => ((i * 7 + j * 3) % 11) / 11)].join(',')).join('\n')

beforeAll(async () => {
  writeFileSync(f('sq4.csv'), csv(4)) // 2×2 "images": too small for 5×5 kernels
  writeFileSync(f('sq64.csv'), csv(64)) // 8×8: still too small for two stages
  writeFileSync(f('five.csv'), csv(5)) // not a square
  const r = await quietly(['train', '--data', 'spiral', '--epochs', '1', '--hidden', '4', '--no-babysit', '--report', f('report'), '--save', f('ck.json')])
  expect(r.code).toBe(0)
})

const notImages = (m: string, n: number) => `symgrad: --model ${m}: takes images, but the data rows have ${n} features and no image shape\n`
const tooSmall = (m: string, s: number) => `symgrad: --model ${m}: convnet: images [${s},${s},1] do not fit 2 stages of conv 5×5 (pad 0) + max pool 2\n`
const quick = ['--epochs', '1', '--no-babysit', '--preprocess', 'none', '--shift', '0']

describe('a convnet on data it cannot take', () => {
  for (const m of ['convnet', 'lenet']) {
    const cases: [string, () => string[], string][] = [
      ['train on spiral', () => ['train', '--data', 'spiral', '--model', m, ...quick, '--report', f('r1')], notImages(m, 2)],
      ['train on xor', () => ['train', '--data', 'xor', '--model', m, ...quick, '--report', f('r1')], notImages(m, 2)],
      ['train on a CSV of 5 features', () => ['train', '--data', `csv:${f('five.csv')}`, '--model', m, ...quick, '--report', f('r1')], notImages(m, 5)],
      ['train on 2×2 images', () => ['train', '--data', `csv:${f('sq4.csv')}`, '--model', m, ...quick, '--report', f('r1')], tooSmall(m, 2)],
      ['train on 8×8 images', () => ['train', '--data', `csv:${f('sq64.csv')}`, '--model', m, ...quick, '--report', f('r1')], tooSmall(m, 8)],
      ['train --save on spiral (nothing saved)', () => ['train', '--data', 'spiral', '--model', m, ...quick, '--report', f('r1'), '--save', f(`none-${m}.json`)], notImages(m, 2)],
      ['search on spiral', () => ['search', '--data', 'spiral', '--model', m, '--trials', '1', '--workers', '1', '--out', f(`best-${m}.json`)], notImages(m, 2)],
      ['ensemble on spiral', () => ['ensemble', '--data', 'spiral', '--model', m, '--models', '2', '--epochs', '1'], notImages(m, 2)],
      ['train --resume of an mlp run with --model', () => ['train', '--resume', f('ck.json'), '--model', m, '--epochs', '2', '--no-babysit', '--report', f('r2')], notImages(m, 2)],
    ]
    it.each(cases)(`${m}: %s is one line, exit 2`, async (_, argv, stderr) => {
      expect(await quietly(argv())).toEqual({ code: 2, stderr })
    }, 30_000)
  }
  it('nothing was written by the refused runs', () => {
    for (const m of ['convnet', 'lenet']) {
      expect(existsSync(f(`none-${m}.json`))).toBe(false)
      expect(existsSync(f(`best-${m}.json`))).toBe(false)
    }
  })
  it('modelFor is the Either the commands share; buildModel stays a builder', () => {
    const r = modelFor({ ...defaultRunConfig, model: 'convnet' }, 2, 3)
    expect(E.isLeft(r) && r.left.message).toBe('--model convnet: takes images, but the data rows have 2 features and no image shape')
    expect(E.isRight(modelFor({ ...defaultRunConfig, model: 'convnet' }, 784, 10))).toBe(true)
    expect(E.isRight(modelFor({ ...defaultRunConfig, model: 'lenet' }, 32 * 32 * 3, 10, { image: [32, 32, 3] }))).toBe(true)
  })
})
