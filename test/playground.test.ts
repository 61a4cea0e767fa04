/**
 * The playground in a real browser: Debian's chromium (never a downloaded one) driven by
 * playwright-core, the page built into a temporary folder and opened from file:// (no server).
 * Screenshots of each panel are saved in a temporary folder (its path is printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { openPlayground, type OpenPlayground } from './playgroundPage.js'

let opened: OpenPlayground
let page: Page
let errors: string[]
let shots: string

beforeAll(async () => {
  opened = await openPlayground('playground')
  ;({ page, errors, shots } = opened)
}, 120_000)

afterAll(async () => {
  await opened?.close()
})

async function tab(name: string): Promise<void> {
  await page.click(`nav button[data-panel=${name}]`)
}

describe('playground (chromium, file://)', () => {
  it('backprop: (x+y)·z at x=−2, y=5, z=−4 shows f = −12, gradients −4, −4, 3 and draws the circuit', async () => {
    await tab('backprop')
    await page.fill('#bp-expr', '(x+y)*z')
    await page.fill('#bp-at', 'x=-2, y=5, z=-4')
    await page.click('#bp-go')
    await page.waitForFunction(() => document.querySelector('#bp-graph svg') !== null && document.getElementById('bp-f')?.textContent === 'f = −12', null, { timeout: 20_000 })
    const grads = await page.$$eval('.bp-grad', (es) => es.map((e) => [(e as HTMLElement).dataset['var'], e.textContent]))
    expect(grads).toEqual([['x', '∂f/∂x = −4'], ['y', '∂f/∂y = −4'], ['z', '∂f/∂z = 3']])
    const wireTexts = await page.$$eval('#bp-graph svg text', (es) => es.map((e) => e.textContent))
    for (const t of ['x', 'y', 'z', '+', '×', '−12', '−2', '5', '−4', '3', '1']) expect(wireTexts).toContain(t)
    expect(await page.$$eval('#bp-derivs .katex', (es) => es.length)).toBe(4)
    expect(await page.$$eval('#bp-trace tr[data-id]', (es) => es.length)).toBe(5)
    // stepping: from the output, one node per click; the product's input wires get their gradients first
    await page.click('#bp-step')
    expect(await page.$$eval('#bp-graph text.grad', (es) => es.filter((e) => (e as SVGElement).style.visibility !== 'hidden').map((e) => e.textContent))).toEqual(['1'])
    await page.click('#bp-step')
    expect((await page.$$eval('#bp-graph text.grad', (es) => es.filter((e) => (e as SVGElement).style.visibility !== 'hidden').map((e) => e.textContent))).sort()).toEqual(['−4', '1', '3'].sort())
    await page.screenshot({ path: join(shots, 'backprop.png'), fullPage: true })
    expect(errors).toEqual([])
  }, 60_000)

  it('backprop: log(sigmoid(x)) lists its hazard and the rewrite, and outlines the log node in the circuit', async () => {
    await page.fill('#bp-expr', 'log(sigmoid(x))')
    await page.fill('#bp-at', 'x=-2')
    await page.click('#bp-go')
    await page.waitForFunction(() => document.querySelector('#bp-graph svg') !== null && (document.getElementById('bp-hazards')?.textContent ?? '').includes('hazards of f'), null, { timeout: 20_000 })
    const text = await page.$eval('#bp-hazards', (e) => e.textContent ?? '')
    expect(text).toContain('log(σ(x)): at or across 0')
    expect(text).toContain('log(sigmoid) → −softplus(−x) ×1 — ')
    expect(await page.$$eval('#bp-graph [data-node]', (es) => es.filter((e) => e.getAttribute('stroke') === '#e67e22').length)).toBe(1)
    await page.fill('#bp-expr', 'x*y')
    await page.fill('#bp-at', 'x=1, y=2')
    await page.click('#bp-go')
    await page.waitForFunction(() => (document.getElementById('bp-hazards')?.textContent ?? '').includes('none found'), null, { timeout: 20_000 })
    expect(await page.$$eval('#bp-graph [data-node]', (es) => es.filter((e) => e.getAttribute('stroke') === '#e67e22').length)).toBe(0)
    expect(errors).toEqual([])
  }, 60_000)

  it('classifier: the spiral with the defaults reaches ≥ 95% training accuracy in the page within 20 s; the boundary is drawn', async () => {
    await tab('classifier')
    await page.click('#cl-train')
    const t0 = Date.now()
    await page.waitForFunction(() => Number(document.getElementById('cl-status')?.dataset['trainAccuracy']) >= 0.95, null, { timeout: 20_000, polling: 100 })
    console.log(`spiral: ≥ 95% training accuracy after ${(Date.now() - t0) / 1000} s (${await page.textContent('#cl-status')})`)
    const colours = await page.$eval('#cl-boundary', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data
      const seen = new Set<number>()
      let white = 0
      for (let i = 0; i < d.length; i += 4) {
        seen.add((d[i]! >> 4) * 256 + (d[i + 1]! >> 4) * 16 + (d[i + 2]! >> 4))
        if (d[i]! > 250 && d[i + 1]! > 250 && d[i + 2]! > 250) white++
      }
      return { distinct: seen.size, whiteFraction: white / (d.length / 4) }
    })
    expect(colours.distinct).toBeGreaterThan(20)
    expect(colours.whiteFraction).toBeLessThan(0.2)
    expect(await page.$$eval('#cl-warnings li', (es) => es.length)).toBeGreaterThan(0)
    await page.screenshot({ path: join(shots, 'classifier.png'), fullPage: true })
    await page.click('#cl-stop')
    expect(errors).toEqual([])
  }, 60_000)

  it('optimizers: the race draws every path in its own colour, with a legend', async () => {
    await tab('optimizers')
    await page.waitForFunction(() => document.getElementById('opt-canvas')?.dataset['done'] === 'true', null, { timeout: 30_000 })
    const legend = await page.$$eval('#opt-legend li', (es) => es.map((e) => [e.textContent, (e.querySelector('.swatch') as HTMLElement).style.background]))
    expect(legend.map(([t]) => t!.split(' ')[0])).toEqual(['SGD', 'Momentum', 'Nesterov', 'AdaGrad', 'RMSProp', 'Adam', 'L-BFGS'])
    const counts = await page.$eval('#opt-canvas', (c, cols) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data
      return cols.map((css) => {
        const [r, g, b] = css.match(/\d+/g)!.map(Number) as [number, number, number]
        let n = 0
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - r) + Math.abs(d[i + 1]! - g) + Math.abs(d[i + 2]! - b) < 30) n++
        return n
      })
    }, legend.map(([, c]) => c!))
    // every optimizer's colour covers some pixels of the picture (paths overlap in the valley, so a few dozen at least)
    for (const n of counts) expect(n).toBeGreaterThan(20)
    await page.screenshot({ path: join(shots, 'optimizers.png'), fullPage: true })
    expect(errors).toEqual([])
  }, 60_000)
})
