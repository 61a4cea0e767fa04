/**
 * Optimizers race on a ravine: SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam (each with its
 * learning rate picked from a grid) and L-BFGS, from the same start. Prints the number of steps
 * each needs to reach the target loss and writes report/05-optimizers.svg: trajectories over the
 * loss contours, and loss vs. step on a log scale.
 *
 * Then the lecture's advice about L-BFGS, measured: on the same surface with noisy gradient and
 * loss estimates (as a mini-batch gives), L-BFGS's line search and curvature pairs break down,
 * while SGD with momentum and Adam keep making progress.
 *
 * Last, ensembles: five small MLPs on a spiral and the mean of their class probabilities.
 *
 *   npx tsx examples/05-optimizers.ts
 */
import * as E from 'fp-ts/lib/Either.js'
import * as sg from '../src/index.js'
import { evaluate, evaluateOrThrow, grad, optim, plot, Random as R, Tensor as T } from '../src/index.js'

const O = sg
const { accuracy, adagrad, adam, ensembleProba, lbfgsInit, lbfgsStep, momentum, nesterov, rmsprop, sgd, step } = optim
const { contours, sampleGrid } = plot
type AnyGradientTransformation = optim.AnyGradientTransformation
type Objective = optim.Objective
type Params = optim.Params

// ── the ravine: a curved valley, steep across (curvature ≈ 2·b) and shallow along ──
const B = 20
export const ravine = (x: number, y: number): number => (1 - x) ** 2 + B * (y - x * x) ** 2
const ravineGrad = (x: number, y: number): [number, number] => [-2 * (1 - x) - 4 * B * x * (y - x * x), 2 * B * (y - x * x)]
const objective: Objective = (p) => {
  const [x, y] = p['w']!.data as unknown as [number, number]
  return [ravine(x, y), { w: T.of(ravineGrad(x, y)) }]
}
export const start: readonly [number, number] = [-1.5, 2.5]
export const target = 1e-6
const maxSteps = 3000

interface Racer {
  readonly name: string
  readonly make: (lr: number) => AnyGradientTransformation
  readonly lrs: readonly number[]
}

const racers: readonly Racer[] = [
  { name: 'SGD', make: sgd, lrs: [3e-3, 1e-2, 2e-2] },
  { name: 'Momentum', make: (lr) => momentum(lr, 0.9), lrs: [1e-3, 3e-3, 1e-2] },
  { name: 'Nesterov', make: (lr) => nesterov(lr, 0.9), lrs: [1e-3, 3e-3, 1e-2] },
  { name: 'AdaGrad', make: (lr) => adagrad(lr), lrs: [0.1, 0.3, 1, 3] },
  { name: 'RMSProp', make: (lr) => rmsprop(lr, { decay: 0.9 }), lrs: [3e-4, 1e-3, 3e-3, 1e-2] },
  { name: 'Adam', make: (lr) => adam(lr), lrs: [1e-2, 3e-2, 0.1] },
]

export interface Run {
  readonly name: string
  readonly learningRate: number | null
  /** Iterates, starting point first. */
  readonly path: readonly (readonly [number, number])[]
  readonly losses: readonly number[]
  /** First step with loss ≤ target, or null. */
  readonly stepsToTarget: number | null
  /** Gradient evaluations used up to the target (or in total). */
  readonly evaluations: number
}

const point = (p: Params): [number, number] => [p['w']!.data[0]!, p['w']!.data[1]!]

function firstBelow(losses: readonly number[]): number | null {
  const i = losses.findIndex((f) => f <= target)
  return i < 0 ? null : i
}

function race(r: Racer, lr: number): Run {
  const opt = r.make(lr)
  let x: Params = { w: T.of([...start]) }
  let s = opt.init(x)
  const path = [point(x)]
  const losses = [objective(x)[0]]
  for (let t = 0; t < maxSteps && losses[t]! > target / 100 && Number.isFinite(losses[t]!); t++) {
    ;[x, s] = step(opt, x, objective(x)[1], s)
    path.push(point(x))
    losses.push(objective(x)[0])
  }
  const hit = firstBelow(losses)
  return { name: r.name, learningRate: lr, path, losses, stepsToTarget: hit, evaluations: hit ?? losses.length - 1 }
}

/** Best learning rate of the grid: fewest steps to the target, then lowest final loss. */
function tuned(r: Racer): Run {
  const runs = r.lrs.map((lr) => race(r, lr))
  const score = (x: Run) => [x.stepsToTarget ?? Infinity, Number.isFinite(x.losses.at(-1)!) ? x.losses.at(-1)! : Infinity]
  return runs.reduce((a, b) => {
    const [sa, fa] = score(a)
    const [sb, fb] = score(b)
    return sb! < sa! || (sb === sa && fb! < fa!) ? b : a
  })
}

function runLbfgs(obj: Objective, maxEvals: number): Run & { reason: string } {
  let st = lbfgsInit(obj, { w: T.of([...start]) })
  const path = [point(st.x)]
  const losses = [ravine(...point(st.x))]
  const evals = [st.evaluations]
  for (let i = 0; st.evaluations < maxEvals && losses[i]! > target / 100; i++) {
    st = lbfgsStep(obj, st)
    if (st.stopped !== null) break
    path.push(point(st.x))
    losses.push(ravine(...point(st.x))) // the true loss, also when `obj` is noisy
    evals.push(st.evaluations)
  }
  const hit = firstBelow(losses)
  return { name: 'L-BFGS', learningRate: null, path, losses, stepsToTarget: hit, evaluations: evals[hit ?? evals.length - 1]!, reason: st.stopped ?? (hit === null ? `evaluation budget ${maxEvals} used` : 'reached the target') }
}

// ── noisy estimates: f + σ_f·ε, ∇f + σ·ε′ with fresh noise on every call (a mini-batch's view) ──
function noisyObjective(sigma: number, seed: number): Objective {
  let calls = 0 // the example's own counter: each evaluation draws a new mini-batch
  return (p) => {
    const k = R.foldIn(R.key(seed), calls++)
    const [f, g] = objective(p)
    const e = R.normalArray(k, 3)
    return [f + sigma * e[0]!, { w: T.add(g['w']!, T.of([sigma * e[1]!, sigma * e[2]!])) }]
  }
}

export interface NoisyRow {
  readonly name: string
  readonly sigma: number
  readonly evaluations: number
  readonly finalLoss: number
  readonly note: string
}

function noisyRace(sigma: number, budget: number): NoisyRow[] {
  const rows: NoisyRow[] = []
  const lb = runLbfgs(noisyObjective(sigma, 5), budget)
  rows.push({ name: 'L-BFGS', sigma, evaluations: lb.evaluations, finalLoss: lb.losses.at(-1)!, note: lb.reason })
  for (const [name, opt] of [['Momentum', momentum(1e-3, 0.9)], ['Adam', adam(1e-2)]] as const) {
    const obj = noisyObjective(sigma, 5)
    let x: Params = { w: T.of([...start]) }
    let s = (opt as AnyGradientTransformation).init(x)
    for (let t = 0; t < budget; t++) [x, s] = step(opt as AnyGradientTransformation, x, obj(x)[1], s)
    rows.push({ name, sigma, evaluations: budget, finalLoss: ravine(...point(x)), note: `lr ${name === 'Adam' ? 1e-2 : 1e-3}` })
  }
  return rows
}

export interface Result {
  readonly runs: readonly Run[]
  readonly table: readonly { optimizer: string; learningRate: string; stepsToTarget: string; gradientEvaluations: number; finalLoss: string }[]
  readonly noisy: readonly NoisyRow[]
}

/** The race: each first-order optimizer at its best learning rate of the grid, and L-BFGS. */
export function raceAll(): Run[] {
  return [...racers.map(tuned), runLbfgs(objective, maxSteps)]
}

export function run(): Result {
  const runs = raceAll()
  const table = runs.map((r) => ({
    optimizer: r.name,
    learningRate: r.learningRate === null ? 'line search' : String(r.learningRate),
    stepsToTarget: r.stepsToTarget === null ? `> ${maxSteps}` : String(r.stepsToTarget),
    gradientEvaluations: r.evaluations,
    finalLoss: r.losses.at(-1)!.toExponential(1),
  }))
  const noisy = [0, 0.1, 1].flatMap((sigma) => noisyRace(sigma, 2000))
  return { runs, table, noisy }
}

/** K-arm spiral (CS231n's toy dataset): N points per class in 2-D, noise std `noise`. */
export function spiral(key: R.Key, perClass: number, classes: number, noise = 0.2): { x: T.Tensor; y: T.Tensor } {
  const n = perClass * classes
  const eps = R.normalArray(key, n)
  const x = new Float64Array(n * 2)
  const y = new Float64Array(n)
  for (let c = 0; c < classes; c++)
    for (let i = 0; i < perClass; i++) {
      const j = c * perClass + i
      const r = i / (perClass - 1)
      const th = c * 4 + 4 * r + eps[j]! * noise
      x[2 * j] = r * Math.sin(th)
      x[2 * j + 1] = r * Math.cos(th)
      y[j] = c
    }
  return { x: T.make([n, 2], x), y: T.make([n], y) }
}

// ── ensembles: tiny MLPs on a spiral, trained with src/ops + src/ad/grad + src/eval/evaluate ──

export interface Mlp {
  readonly params: Params
  /** Class probabilities [N, C] for inputs [N, 2]. */
  readonly predictProba: (x: T.Tensor) => T.Tensor
}

/** 2 → hidden (ReLU) → classes MLP, trained full-batch with Adam for `steps` steps from `key`. */
export function trainMlp(key: R.Key, data: { x: T.Tensor; y: T.Tensor }, hidden: number, classes: number, steps: number, lr = 0.05): Mlp {
  const x = O.input('x', ['N', 2])
  const y = O.input('y', ['N'])
  const W1 = O.param('W1', [2, hidden])
  const b1 = O.param('b1', [hidden])
  const W2 = O.param('W2', [hidden, classes])
  const b2 = O.param('b2', [classes])
  const scores = O.add(O.matmul(O.relu(O.add(O.matmul(x, W1), b1)), W2), b2)
  const loss = O.mean(O.sub(O.logSumExp(scores, [1]), O.gatherLabel(scores, y)))
  const gs = grad(loss, { W1, b1, W2, b2 })
  const names = ['W1', 'b1', 'W2', 'b2'] as const
  const [k1, k2] = R.split(key, 2)
  let params: Params = {
    W1: R.normal(k1!, [2, hidden], Math.sqrt(2 / 2)),
    b1: T.zeros([hidden]),
    W2: R.normal(k2!, [hidden, classes], Math.sqrt(1 / hidden)),
    b2: T.zeros([classes]),
  }
  const opt = adam(lr)
  let s = opt.init(params)
  for (let i = 0; i < steps; i++) {
    const r = evaluate(names.map((n) => gs[n]), { ...params, x: data.x, y: data.y })
    if (E.isLeft(r)) throw r.left
    const g: Params = Object.fromEntries(names.map((n, j) => [n, r.right[j]!]))
    ;[params, s] = step(opt, params, g, s)
  }
  const proba = O.softmax(scores)
  const final = params
  return { params: final, predictProba: (xs) => evaluateOrThrow(proba, { ...final, x: xs }) }
}

export interface EnsembleDemo {
  readonly single: readonly number[]
  readonly mean: number
  readonly ensemble: number
}

/**
 * Five small, briefly trained MLPs (20 points per class, 8 hidden units, 100 Adam steps) from
 * different initializations, and their ensemble (mean of class probabilities), on a held-out spiral.
 */
export function ensembleDemo(): EnsembleDemo {
  const train = spiral(R.key(11), 20, 3, 0.3)
  const test = spiral(R.key(12), 100, 3, 0.3)
  const models = [111, 112, 113, 114, 115].map((seed) => trainMlp(R.key(seed), train, 8, 3, 100))
  const acc = (p: T.Tensor) => E.getOrElse(() => NaN)(accuracy(p, test.y.data))
  const single = models.map((m) => acc(m.predictProba(test.x)))
  const ens = ensembleProba(models.map((m) => m.predictProba), test.x)
  if (E.isLeft(ens)) throw ens.left
  return { single, mean: single.reduce((a, b) => a + b, 0) / single.length, ensemble: acc(ens.right) }
}

// ── the picture: trajectories over contours (left), loss vs. step, both axes log (right), and a
// legend in a column of its own (it names the colours of both panels and covers nothing) ──
export const colors: Readonly<Record<string, string>> = {
  SGD: '#1f77b4', Momentum: '#ff7f0e', Nesterov: '#2ca02c', AdaGrad: '#d62728',
  RMSProp: '#9467bd', Adam: '#8c564b', 'L-BFGS': '#e377c2',
}
const f3 = (v: number) => v.toFixed(1)
const minus = (s: string) => s.replace(/-/g, '−')

export function svg(res: Result): string {
  const [W, H, pad] = [460, 420, 44]
  const legendW = 300
  const [x0, x1, y0, y1] = [-2, 2, -1, 4]
  const sx = (x: number) => pad + ((x - x0) / (x1 - x0)) * (W - 2 * pad)
  const sy = (y: number) => H - pad - ((y - y0) / (y1 - y0)) * (H - 2 * pad)
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W + 40 + legendW}" height="${H + 10}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    '<defs>',
    `<clipPath id="left"><rect x="${pad}" y="${pad}" width="${W - 2 * pad}" height="${H - 2 * pad}"/></clipPath>`,
    `<clipPath id="right"><rect x="${W + 40 + pad}" y="${pad}" width="${W - 2 * pad}" height="${H - 2 * pad}"/></clipPath>`,
    '</defs>',
    `<text x="${pad}" y="18" font-size="13">Ravine f = (1−x)² + ${B}(y−x²)²: trajectories from (${minus(start.join(', '))})</text>`]
  const levels = Array.from({ length: 13 }, (_, k) => 10 ** (-3 + k * 0.4))
  out.push('<g clip-path="url(#left)">')
  for (const c of contours(sampleGrid(ravine, [x0, x1], [y0, y1], 160, 160), levels))
    for (const [a, b, c2, d] of c.segments)
      out.push(`<line x1="${f3(sx(a))}" y1="${f3(sy(b))}" x2="${f3(sx(c2))}" y2="${f3(sy(d))}" stroke="#bbb" stroke-width="0.8"/>`)
  // paths leaving the window are cut at its frame (clipped), not pinned to its edge
  for (const r of res.runs) {
    const pts = r.path.map(([x, y]) => `${f3(sx(x))},${f3(sy(y))}`)
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${colors[r.name]}" stroke-width="1.4" opacity="0.85"/>`)
  }
  out.push('</g>')
  out.push(`<rect x="${pad}" y="${pad}" width="${W - 2 * pad}" height="${H - 2 * pad}" fill="none" stroke="#333"/>`)
  out.push(`<circle cx="${sx(start[0])}" cy="${sy(start[1])}" r="4" fill="black"/>`, `<text x="${sx(1) + 6}" y="${sy(1) + 4}">min (1, 1)</text>`,
    `<circle cx="${sx(1)}" cy="${sy(1)}" r="3" fill="none" stroke="black"/>`)
  for (const t of [-2, -1, 0, 1, 2]) out.push(`<text x="${sx(t)}" y="${H - pad + 14}" text-anchor="middle">${minus(String(t))}</text>`)
  for (const t of [-1, 0, 1, 2, 3, 4]) out.push(`<text x="${pad - 5}" y="${sy(t) + 4}" text-anchor="end">${minus(String(t))}</text>`)
  out.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-style="italic">x</text>`, `<text x="14" y="${H / 2}" font-style="italic">y</text>`)
  // right panel: loss against step + 1, both on log axes, the range covering every run's losses
  const ox = W + 40
  const steps = Math.max(...res.runs.map((r) => r.losses.length))
  const logs = res.runs.flatMap((r) => r.losses.filter((f) => f > 0 && Number.isFinite(f)).map(Math.log10))
  const lo = Math.floor(Math.min(Math.log10(target) - 1, ...logs))
  const hi = Math.ceil(Math.max(...logs))
  const lx = (t: number) => ox + pad + (Math.log10(t + 1) / Math.log10(steps)) * (W - 2 * pad)
  const ly = (f: number) => H - pad - ((Math.log10(f) - lo) / (hi - lo)) * (H - 2 * pad)
  out.push(`<text x="${ox + pad}" y="18" font-size="13">Loss vs. step, both axes log; dashed: target ${target.toExponential()}</text>`,
    `<rect x="${ox + pad}" y="${pad}" width="${W - 2 * pad}" height="${H - 2 * pad}" fill="none" stroke="#333"/>`,
    `<line x1="${ox + pad}" x2="${ox + W - pad}" y1="${ly(target)}" y2="${ly(target)}" stroke="#777" stroke-dasharray="4 3"/>`)
  const every = Math.max(1, Math.ceil((hi - lo) / 8))
  for (let e = lo; e <= hi; e += every)
    out.push(`<line x1="${ox + pad - 4}" x2="${ox + pad}" y1="${ly(10 ** e)}" y2="${ly(10 ** e)}" stroke="#333"/>`, `<text x="${ox + pad - 6}" y="${ly(10 ** e) + 4}" text-anchor="end">${minus(`1e${e}`)}</text>`)
  for (let t = 1; t <= steps; t *= 10)
    out.push(`<line x1="${lx(t - 1)}" x2="${lx(t - 1)}" y1="${H - pad}" y2="${H - pad + 4}" stroke="#333"/>`, `<text x="${lx(t - 1)}" y="${H - pad + 15}" text-anchor="middle">${t}</text>`)
  out.push('<g clip-path="url(#right)">')
  for (const r of res.runs)
    out.push(`<polyline points="${r.losses.map((f, t) => [t, f] as const).filter(([, f]) => f > 0 && Number.isFinite(f)).map(([t, f]) => `${f3(lx(t))},${f3(ly(f))}`).join(' ')}" fill="none" stroke="${colors[r.name]}" stroke-width="1.4"/>`)
  out.push('</g>')
  out.push(`<text x="${ox + W / 2}" y="${H - 8}" text-anchor="middle">step + 1 (log scale)</text>`,
    `<text x="${ox - 2}" y="${H / 2}" transform="rotate(-90 ${ox - 2} ${H / 2})" text-anchor="middle">f (log scale)</text>`)
  // the legend, right of both panels
  const lx0 = 2 * W + 40
  out.push(`<text x="${lx0}" y="${pad}" font-weight="bold">optimizer (both panels)</text>`)
  res.runs.forEach((r, i) => {
    const y = pad + 20 + 18 * i
    out.push(`<line x1="${lx0}" x2="${lx0 + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${colors[r.name]}" stroke-width="3"/>`,
      `<text x="${lx0 + 28}" y="${y}">${r.name}${r.learningRate === null ? ' (line search)' : ` lr=${r.learningRate}`}: ${r.stepsToTarget === null ? `not at target in ${r.losses.length - 1}` : r.stepsToTarget} steps</text>`)
  })
  out.push('</svg>')
  return out.join('\n')
}

const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)
async function main(): Promise<void> {
  const res = run()
  console.log(`Steps to reach f ≤ ${target} on the ravine (learning rates: best of a small grid; at most ${maxSteps} steps):`)
  console.table(res.table)
  console.log('Noisy estimates (σ = noise std of f and of each gradient coordinate); final TRUE loss:')
  console.table(res.noisy.map((r) => ({ ...r, finalLoss: r.finalLoss.toExponential(2) })))
  const { mkdirSync, writeFileSync } = await import('node:fs')
  mkdirSync('report', { recursive: true })
  writeFileSync('report/05-optimizers.svg', svg(res))
  console.log('wrote report/05-optimizers.svg')
  const ed = ensembleDemo()
  console.log(`Ensemble of 5 spiral MLPs: single test accuracies ${ed.single.map((a) => a.toFixed(3)).join(', ')} (mean ${ed.mean.toFixed(3)}); ensemble ${ed.ensemble.toFixed(3)}`)
}

if (isMain) void main()
