/**
 * `symgrad finetune` in-process (runCli): a small convnet trained on 200 bundled digits, fine-tuned
 * on 100 Fashion-MNIST images with its convolutions frozen — their bits in the saved checkpoint are
 * the base's, the head moved from its fresh init — then continued with `train --resume`; and the
 * one-line errors (exit 2) for names that are not layers with parameters. The base's preprocessing
 * layer (center0) keeps the statistics fitted on the digits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as R from '../src/core/Random.js'
import type { Tensor } from '../src/core/Tensor.js'
import { loadCheckpoint } from '../src/records/files.js'
import { runCli } from '../src/cli/main.js'
import { initKey } from '../src/train/loop.js'

const dir = mkdtempSync(join(tmpdir(), 'symgrad-finetune-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const f = (name: string) => join(dir, name)
const sameBits = (a: Tensor, b: Tensor) => a.data.length === b.data.length && a.data.every((v, i) => Object.is(v, b.data[i]))
const loaded = (path: string) => {
  const r = loadCheckpoint(path)
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

describe('symgrad finetune', () => {
  const quiet = () => vi.spyOn(console, 'log').mockImplementation(() => {})
  const ft = ['finetune', '--from', f('base.json'), '--data', 'fashion', '--examples', '100', '--epochs', '1', '--batch', '25', '--report', f('report')]

  it('freezes the named convolutions bit for bit while the fresh head trains, and saves a run that train --resume continues', async () => {
    const log = quiet()
    try {
      const b = await runCli(['train', '--model', 'convnet', '--data', 'mnist-sample', '--examples', '200', '--epochs', '1', '--no-babysit', '--save', f('base.json'), '--report', f('report')])
      expect(b).toEqual({ code: 0, stderr: '' })
      const r = await runCli([...ft, '--freeze', 'conv0,conv1', '--lr-mult', 'dense=0.5', '--save', f('ft.json')])
      expect(r).toEqual({ code: 0, stderr: '' })
      const out = log.mock.calls.map((c) => String(c[0])).join('\n')
      expect(out).toContain("head 'dense0' re-initialised for the 10 classes of fashion")
      // the base's preprocessing layer comes along with its statistics (fitted on the digits)
      expect(out).toContain('copied: center0.mean [784], conv0.W [8,1,5,5], conv0.b [8], conv1.W [16,8,5,5], conv1.b [16]')
      expect(out).toContain('kept fresh: dense0.W [256,10] (asked), dense0.b [10] (asked)')
      expect(out).toContain('frozen (inference mode, no updates): conv0, conv1; learning rate × 0.5 for dense0')
      const base = loaded(f('base.json'))
      const tuned = loaded(f('ft.json'))
      expect(tuned.run).toMatchObject({ data: 'fashion', examples: 100, freeze: ['conv0', 'conv1'], lrMult: { dense0: 0.5 } })
      expect(tuned.state.step).toBe(4)
      for (const k of ['conv0.W', 'conv0.b', 'conv1.W', 'conv1.b']) expect(sameBits(tuned.state.params[k]!, base.state.params[k]!), k).toBe(true)
      expect(sameBits(tuned.state.modelState['center0.mean']!, base.state.modelState['center0.mean']!)).toBe(true)
      const fresh = tuned.model.init(initKey(R.key(tuned.run!.seed))).params
      expect(sameBits(tuned.state.params['dense0.W']!, fresh['dense0.W']!)).toBe(false)
      expect(sameBits(tuned.state.params['dense0.W']!, base.state.params['dense0.W']!)).toBe(false)

      const c = await runCli(['train', '--resume', f('ft.json'), '--epochs', '2', '--save', f('ft2.json'), '--report', f('report')])
      expect(c).toEqual({ code: 0, stderr: '' })
      const more = loaded(f('ft2.json'))
      expect(more.state.step).toBe(8)
      for (const k of ['conv0.W', 'conv1.W']) expect(sameBits(more.state.params[k]!, base.state.params[k]!), k).toBe(true)
    } finally {
      log.mockRestore()
    }
  }, 300_000)

  it.each([
    [['--freeze', 'conv0,conv2'], 'symgrad: finetune: --freeze: unknown layer "conv2" (layers with parameters: conv0, conv1, dense0; prefixes: conv, dense)\n'],
    [['--lr-mult', 'pool0=0.1'], 'symgrad: finetune: --lr-mult: unknown layer "pool0" (layers with parameters: conv0, conv1, dense0; prefixes: conv, dense)\n'],
    [['--lr-mult', 'conv0=fast'], 'symgrad: finetune: --lr-mult: expected layer=multiplier with a positive multiplier (e.g. conv0=0.1), got "conv0=fast"\n'],
    [['--freeze', 'dense0'], "symgrad: finetune: --freeze: 'dense0' is the head, which is re-initialised for the new data; freezing it would leave it random\n"],
    [['--freeze', 'conv0', '--lr-mult', 'conv0=0.1'], "symgrad: finetune: --lr-mult: layer 'conv0' is frozen (--freeze), so it has no learning rate to scale\n"],
  ])('refuses %j with one line and exit status 2', async (flags, stderr) => {
    expect(await runCli([...ft, ...flags])).toEqual({ code: 2, stderr })
  }, 120_000)

  it('refuses a train --config whose freeze names no layer of the model', async () => {
    writeFileSync(f('cfg.json'), JSON.stringify({ data: 'spiral', freeze: ['dense7'] }))
    expect(await runCli(['train', '--config', f('cfg.json'), '--report', f('report')])).toEqual({
      code: 2, stderr: 'symgrad: config.freeze: "dense7" is not a layer with parameters of this model (layers with parameters: dense0, dense1)\n',
    })
  })

  it('needs --from and --data', async () => {
    expect(await runCli(['finetune', '--data', 'fashion'])).toEqual({ code: 2, stderr: 'symgrad: finetune: --from <base checkpoint.json> is required\n' })
    expect(await runCli(['finetune', '--from', f('base.json')])).toEqual({ code: 2, stderr: 'symgrad: finetune: --data is required (the data set to fine-tune on)\n' })
  })
})
