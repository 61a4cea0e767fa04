/**
 * symgrad must run in a browser: the public entry point bundles for the browser platform (no Node
 * built-ins reachable from src/index.ts) and runs in a bare JavaScript realm with no `process`,
 * `require`, `Buffer` or file system, where it differentiates, compiles and evaluates a model.
 */
import { describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import vm from 'node:vm'
import { fileURLToPath } from 'node:url'

describe('browser build', () => {
  it('bundles src/index.ts for the browser and runs it in a realm without Node globals', async () => {
    const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url))
    const out = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', globalName: 'symgrad', write: false, logLevel: 'silent' })
    const code = out.outputFiles[0]!.text
    const realm = vm.createContext({})
    vm.runInContext(code, realm)
    const result = vm.runInContext(
      `(() => {
        const sg = symgrad
        const model = sg.nn.sequential(sg.nn.dense(2, 4), sg.nn.tanh, sg.nn.dense(4, 3))
        const { params } = model.init(sg.Random.key(0))
        const x = sg.input('x', ['N', 2]), y = sg.input('y', ['N'])
        const loss = sg.nn.softmaxCrossEntropy(model.apply(x, 'train').out, y)
        const step = sg.valueAndGrad(loss, model.params())
        const data = sg.Data.spiral(sg.Random.key(1), { classes: 3, perClass: 5, noise: 0.1 })
        const r = step({ ...params, x: data.x, y: data.y })
        const g = sg.evaluate([sg.grad(loss, model.params())['dense0.W']], { ...params, x: data.x, y: data.y })
        return { hasProcess: typeof process !== 'undefined', value: r.right.value, g0: r.right.grads['dense0.W'].data[0], i0: g.right[0].data[0] }
      })()`,
      realm,
    )
    expect(result.hasProcess).toBe(false)
    expect(Math.abs(result.value - Math.log(3))).toBeLessThan(0.5)
    expect(Math.abs(result.g0 - result.i0)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(result.i0)))
  })
})
