/**
 * The playground never hides a mistake (Debian's chromium, playwright-core, the page opened from
 * file://): each bad input is marked on its field with one line and nothing runs; results of a
 * previous run or expression go the moment a new one starts or fails; checks never tick a diverged
 * run and never suggest what is already set; the circuit fills its box with its numbers clear of
 * every wire; nothing hangs on a 10,000-node expression. Screenshots go to a temporary folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { openPlayground, type OpenPlayground } from './playgroundPage.js'

let pg: OpenPlayground
let page: Page
let shots: string
let errors: string[]

beforeAll(async () => {
  pg = await openPlayground('playground-strict')
  ;({ page, shots, errors } = pg)
}, 120_000)

afterAll(async () => {
  await pg?.close()
})

const tab = (name: string) => page.click(`nav button[data-panel=${name}]`)
const marked = (id: string) => page.$eval(`#${id}`, (e) => e.getAttribute('aria-invalid') === 'true' && e.classList.contains('bad'))
const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '')
const warnings = () => page.$$eval('#cl-warnings li', (es) => es.map((e) => e.textContent ?? ''))

async function explain(expr: string, at: string): Promise<void> {
  await page.fill('#bp-expr', expr)
  await page.fill('#bp-at', at)
  await page.click('#bp-go')
}

/** Whether the canvas is all white (nothing of a previous run left on it). */
const blank = (id: string) => page.$eval(`#${id}`, (c) => {
  const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data
  for (let i = 0; i < d.length; i += 4) if (d[i]! < 250 || d[i + 1]! < 250 || d[i + 2]! < 250) return false
  return true
})

async function setClassifier(v: Partial<Record<'hidden' | 'lr' | 'l2' | 'keep', string>> & { activation?: string; init?: string; optimizer?: string }): Promise<void> {
  await page.fill('#cl-hidden', v.hidden ?? '32,32')
  await page.fill('#cl-lr', v.lr ?? '0.01')
  await page.fill('#cl-l2', v.l2 ?? '0.0001')
  await page.fill('#cl-keep', v.keep ?? '1')
  await page.selectOption('#cl-activation', v.activation ?? 'relu')
  await page.selectOption('#cl-init', v.init ?? 'he')
  await page.selectOption('#cl-optimizer', v.optimizer ?? 'adam')
}

describe('backprop panel: strict, never stale, bounded', () => {
  it('(x+y then Explain clears the previous graph, derivatives and f, and marks the expression', async () => {
    await tab('backprop')
    await explain('(x+y)*z', 'x=-2, y=5, z=-4')
    await page.waitForFunction(() => document.querySelector('#bp-graph svg') !== null && document.getElementById('bp-f')?.textContent === 'f = −12', null, { timeout: 20_000 })
    await explain('(x+y', 'x=-2, y=5, z=-4')
    await page.waitForFunction(() => document.getElementById('bp-expr')?.getAttribute('aria-invalid') === 'true', null, { timeout: 5000 })
    expect(await marked('bp-expr')).toBe(true)
    expect(await text('#bp-expr-msg')).toBe("expected ')' at the end")
    for (const sel of ['#bp-graph', '#bp-derivs', '#bp-result', '#bp-trace']) expect(await page.$eval(sel, (e) => e.childElementCount)).toBe(0)
    await page.screenshot({ path: join(shots, 'backprop-bad-expression.png') })
    // fixed: the mark goes and the results come back
    await explain('(x+y)*z', 'x=-2, y=abc, z=-4')
    await page.waitForFunction(() => document.getElementById('bp-at')?.getAttribute('aria-invalid') === 'true', null, { timeout: 5000 })
    expect(await marked('bp-expr')).toBe(false)
    expect(await text('#bp-at-msg')).toMatch(/^expected name=number, got "y=abc"/)
    expect(await page.$eval('#bp-result', (e) => e.childElementCount)).toBe(0)
    await explain('(x+y)*z', 'x=-2, y=5')
    await page.waitForFunction(() => document.getElementById('bp-at-msg')?.textContent === 'no value for z', null, { timeout: 5000 })
    expect(errors).toEqual([])
  }, 60_000)

  it('the gate-by-gate neuron: σ(1 − σ) typeset, circuit scaled to its box, numbers ≥ 12 px and clear of every wire', async () => {
    await explain('1/(1+exp(-(w0*x0+w1*x1+w2)))', 'w0=2, x0=-1, w1=-3, x1=-2, w2=-3')
    await page.waitForFunction(() => document.querySelector('#bp-graph svg') !== null, null, { timeout: 20_000 })
    const tex = await page.$$eval('#bp-derivs annotation', (es) => es.map((e) => e.textContent ?? ''))
    // σ(…)·(1 − σ(…)), with σ(…) named once: t₁ = σ(w₀x₀ + w₁x₁ + w₂), t₂ = t₁·(1 − t₁)
    expect(tex).toContain('t_{1} = \\sigma\\left(w_{0} \\cdot x_{0} + w_{1} \\cdot x_{1} + w_{2}\\right) = 0.731059')
    expect(tex).toContain('t_{2} = t_{1} \\cdot \\left(1 - t_{1}\\right) = 0.196612')
    expect(tex).toContain('\\frac{\\partial f}{\\partial w_{0}} = t_{2} \\cdot x_{0} = -0.196612')
    const fit = await page.$eval('#bp-graph', (box) => {
      const svg = box.querySelector('svg')!
      const texts = [...svg.querySelectorAll<SVGTextElement>('text.value, text.grad')]
      const paths = [...svg.querySelectorAll<SVGPathElement>('path[data-wire]')]
      const shapes = [...svg.querySelectorAll<SVGGraphicsElement>('ellipse, rect[data-node]')]
      const meets = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
      const hits: string[] = []
      for (const t of texts) {
        const r = t.getBoundingClientRect()
        for (const p of paths) {
          if (p.dataset['wire'] === t.dataset['wire']) continue
          const m = p.getScreenCTM()!
          for (let s = 0; s <= p.getTotalLength(); s += 1) {
            const q = p.getPointAtLength(s)
            const [x, y] = [q.x * m.a + m.e, q.y * m.d + m.f]
            if (x > r.left && x < r.right && y > r.top && y < r.bottom) {
              hits.push(`${t.textContent} on wire ${p.dataset['wire']}`)
              break
            }
          }
        }
        for (const s of shapes) if (meets(r, s.getBoundingClientRect())) hits.push(`${t.textContent} on a gate or box`)
        for (const u of texts) if (u !== t && meets(r, u.getBoundingClientRect())) hits.push(`${t.textContent} on ${u.textContent}`)
      }
      const px = Number(texts[0]!.getAttribute('font-size')) * (svg.getBoundingClientRect().width / Number(svg.viewBox.baseVal.width))
      return { hits, px, svgWidth: svg.getBoundingClientRect().width, boxWidth: box.clientWidth, labels: texts.length }
    })
    expect(fit.labels).toBeGreaterThan(20)
    expect(fit.hits).toEqual([])
    expect(fit.px).toBeGreaterThanOrEqual(12)
    // scaled up to its box (a 1,200 px box no longer shows a 1,000 px circuit at natural size)
    expect(fit.svgWidth).toBeGreaterThan(0.9 * fit.boxWidth)
    await page.screenshot({ path: join(shots, 'backprop-neuron.png'), fullPage: true })
    expect(errors).toEqual([])
  }, 60_000)

  it('NaN is typeset as one upright word, not N·a·N', async () => {
    await explain('log(x)', 'x=-1')
    await page.waitForFunction(() => document.querySelectorAll('#bp-derivs .katex').length > 0, null, { timeout: 20_000 })
    const tex = await page.$$eval('#bp-derivs annotation', (es) => es.map((e) => e.textContent ?? '').join('\n'))
    expect(tex).toContain('\\mathrm{NaN}')
    expect(tex).not.toMatch(/= NaN/)
  }, 60_000)

  it('at 700 px wide nothing overflows the page (trace table, derivatives, circuit scroll in their boxes)', async () => {
    await page.setViewportSize({ width: 700, height: 900 })
    try {
      await explain('1/(1+exp(-(w0*x0+w1*x1+w2)))', 'w0=2, x0=-1, w1=-3, x1=-2, w2=-3')
      await page.waitForFunction(() => document.querySelector('#bp-graph svg') !== null && document.querySelectorAll('#bp-trace tr').length > 5, null, { timeout: 20_000 })
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(700)
      await page.screenshot({ path: join(shots, 'backprop-700px.png'), fullPage: true })
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 })
    }
  }, 60_000)

  it('3,000 chained ^, a 10,000-node expression, 1,000- and 2,000-node ones: an answer or a one-line refusal within 2 s, no page error', async () => {
    const many = [...Array.from({ length: 50 }, (_, i) => `x${i}=0.5`), ...Array.from({ length: 37 }, (_, i) => `y${i}=0.25`)].join(',')
    const cases: [string, RegExp, boolean, string?][] = [
      [`${'x^'.repeat(3000)}2`, /^expression nests deeper than 200 levels/, true],
      [Array.from({ length: 3400 }, (_, i) => `x*${i + 2}`).join(' + '), /^the expression has 10\d\d\d nodes; the playground explains up to 2000/, true],
      [Array.from({ length: 330 }, (_, i) => `x*${i + 2}`).join(' + '), /^the circuit and the trace are drawn for up to 300 nodes; this expression has 99\d$/, false],
      [Array.from({ length: 666 }, (_, i) => `x*${i + 2}`).join(' + '), /^the circuit and the trace are drawn for up to 300 nodes; this expression has 199\d$/, false],
      // the 900 terms over 87 variables (96 s before): 87 derivatives of a 1,886-node expression
      [Array.from({ length: 900 }, (_, i) => `x${i % 50}*y${i % 37}`).join(' + '), /^the circuit and the trace are drawn for up to 300 nodes; this expression has 1886$/, false, many],
    ]
    for (const [src, message, refused, at] of cases) {
      await page.fill('#bp-at', at ?? 'x=0.5')
      await page.$eval('#bp-expr', (e, v) => void ((e as HTMLInputElement).value = v), src)
      const t0 = Date.now()
      await page.click('#bp-go')
      await page.waitForFunction(() => (document.getElementById('bp-msg')?.textContent ?? '') !== '', null, { timeout: 2000, polling: 20 })
      const seconds = (Date.now() - t0) / 1000
      console.log(`${src.length} characters: '${(await text('#bp-msg')).slice(0, 60)}…' after ${seconds} s`)
      expect(await text('#bp-msg')).toMatch(message)
      expect(await marked('bp-expr')).toBe(refused)
      if (!refused) expect(await page.$eval('#bp-f', (e) => e.textContent)).toMatch(/^f = /)
    }
    // drawings still work after the large ones (a fresh Graphviz where one failed)
    for (let k = 0; k < 3; k++) {
      await explain(Array.from({ length: 60 }, (_, i) => `x${i % 9}*y${i % 7}`).join(' + '), [...Array.from({ length: 9 }, (_, i) => `x${i}=0.5`), ...Array.from({ length: 7 }, (_, i) => `y${i}=2`)].join(','))
      await page.waitForFunction(() => document.querySelector('#bp-graph svg') !== null, null, { timeout: 30_000 })
    }
    await explain('(x+y)*z', 'x=-2, y=5, z=-4')
    await page.waitForFunction(() => document.querySelector('#bp-graph svg') !== null && document.getElementById('bp-f')?.textContent === 'f = −12', null, { timeout: 20_000 })
    expect(errors).toEqual([])
  }, 120_000)
})

describe('classifier panel: strict fields, no stale results, honest checks', () => {
  it('each bad field is marked with its one line and nothing runs; the previous run’s results are gone', async () => {
    await tab('classifier')
    await setClassifier({})
    await page.click('#cl-train')
    await page.waitForFunction(() => Number(document.getElementById('cl-status')?.dataset['step']) >= 20, null, { timeout: 20_000 })
    const bad: [string, Parameters<typeof setClassifier>[0], RegExp][] = [
      ['cl-lr', { lr: 'abc' }, /^learning rate: expects a number, got "abc"$/],
      ['cl-hidden', { hidden: '5000,5000' }, /^hidden layers: the model \[2, 5000, 5000, 3\] has 25035003 parameters; the playground trains up to 200000 \(symgrad train takes up to 10000000\)$/],
      ['cl-hidden', { hidden: '2000,2000' }, /^hidden layers: the model \[2, 2000, 2000, 3\] has 4014003 parameters; the playground trains up to 200000/],
      ['cl-hidden', { hidden: Array(300).fill('1').join(',') }, /^hidden layers: 300 hidden layers, over the limit of 256$/],
      ['cl-keep', { keep: '0' }, /^dropout keep: expected a keep probability in \(0, 1\], got 0$/],
      ['cl-hidden', { hidden: 'abc' }, /^hidden layers: expected a positive integer, got NaN$/],
      ['cl-hidden', { hidden: '' }, /^hidden layers: expected a positive integer, got NaN$/],
      ['cl-l2', { l2: '-1' }, /^L2 λ: expected a non-negative number, got -1$/],
    ]
    for (const [id, v, message] of bad) {
      await setClassifier(v)
      await page.click('#cl-train')
      expect(await marked(id)).toBe(true)
      expect(await text(`#${id}-msg`)).toMatch(message)
      expect(await text('#cl-status')).toMatch(/^not started: /)
      expect(await warnings()).toEqual([])
      expect(await blank('cl-boundary')).toBe(true)
      expect(await blank('cl-loss')).toBe(true)
      if (id === 'cl-lr') await page.screenshot({ path: join(shots, 'classifier-bad-lr.png') })
    }
    // nothing ran meanwhile: no progress arrives after a refusal
    await page.waitForTimeout(600)
    expect(await page.$eval('#cl-status', (e) => e.dataset['step'])).toBeUndefined()
    expect(await blank('cl-boundary')).toBe(true)
    // fixed fields run again, unmarked
    await setClassifier({})
    await page.click('#cl-train')
    expect(await page.$$eval('[aria-invalid="true"]', (es) => es.length)).toBe(0)
    await page.waitForFunction(() => Number(document.getElementById('cl-status')?.dataset['step']) >= 10, null, { timeout: 20_000 })
    await page.click('#cl-stop')
    expect(errors).toEqual([])
  }, 120_000)

  it('learning rate 50: the divergence is reported and never ticked; the loss chart goes to a log axis', async () => {
    await setClassifier({ lr: '50', optimizer: 'sgd' })
    await page.click('#cl-train')
    await page.waitForFunction(() => Number(document.getElementById('cl-status')?.dataset['step']) >= 300 || document.getElementById('cl-status')?.dataset['error'] !== undefined || /done/.test(document.getElementById('cl-status')?.textContent ?? ''), null, { timeout: 60_000, polling: 200 })
    await page.click('#cl-stop')
    const w = await warnings()
    console.log(w.join('\n'))
    expect(w.some((t) => t.startsWith('⚠') && /diverged|not finite|NaN/.test(t))).toBe(true)
    expect(w.filter((t) => t.startsWith('✓') && /loss .* → /.test(t))).toEqual([])
    expect(w.filter((t) => t.startsWith('✓') && /no large gap/.test(t))).toEqual([])
    const caption = await text('#cl-loss-caption')
    if (!(await page.$eval('#cl-status', (e) => e.textContent ?? '')).includes('not finite')) expect(caption).toContain('log axis')
    await page.screenshot({ path: join(shots, 'classifier-lr50.png'), fullPage: true })
  }, 90_000)

  it('sigmoid with small init: never "too low" and "too high" at one step; ReLU with he init: never "try he init"', async () => {
    await setClassifier({ activation: 'sigmoid', init: 'small', optimizer: 'sgd', lr: '1' })
    await page.click('#cl-train')
    await page.waitForFunction(() => Number(document.getElementById('cl-status')?.dataset['step']) >= 300, null, { timeout: 60_000, polling: 200 })
    await page.click('#cl-stop')
    const w = await warnings()
    const byStep = new Map<string, string[]>()
    for (const t of w) {
      const s = /step (\d+)/.exec(t)?.[1] ?? ''
      byStep.set(s, [...(byStep.get(s) ?? []), t])
    }
    for (const ts of byStep.values()) expect(ts.some((t) => t.includes('likely too low')) && ts.some((t) => t.includes('likely too high'))).toBe(false)
    await page.screenshot({ path: join(shots, 'classifier-sigmoid-small.png'), fullPage: true })
    await setClassifier({ lr: '0.5', optimizer: 'sgd', init: 'he' })
    await page.click('#cl-train')
    await page.waitForFunction(() => Number(document.getElementById('cl-status')?.dataset['step']) >= 200, null, { timeout: 60_000, polling: 200 })
    await page.click('#cl-stop')
    for (const t of await warnings()) expect(t).not.toContain('he init')
    expect(errors).toEqual([])
  }, 150_000)
})
