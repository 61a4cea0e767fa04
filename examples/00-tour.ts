/**
 * A tour of symgrad in one file (mirrored in the README): build a model from typed combinators,
 * print a derivative, compile loss and gradients into one function, train with an optimizer
 * written as a pure state transition, and check the gradients numerically.
 * Run: npx tsx examples/00-tour.ts
 */
import * as E from 'fp-ts/lib/Either.js'
import {
  Data, Random, Tensor as T, nn, optim,
  add, compile, gradcheck, grad, input, mul, simplify, toInfix, valueAndGrad,
} from '../src/index.js'

export function run() {
  // 1. Symbolic derivatives are expressions: print them.
  const x = input('x', []), y = input('y', []), z = input('z', [])
  const f = mul(add(x, y), z)
  const [, , dz] = grad(f, [x, y, z])
  const dzText = toInfix(simplify([dz!]).exprs[0]!)

  // 2. A model: widths are literal types (dense(2, 16) then dense(8, 3) would not compile).
  const model = nn.sequential(nn.dense(2, 16, { init: 'he' }), nn.relu, nn.dense(16, 3))
  const { params } = model.init(Random.key(0))
  const xs = input('x', ['N', 2]), ys = input('y', ['N'])
  const scores = model.apply(xs, 'train').out
  const loss = add(nn.softmaxCrossEntropy(scores, ys), nn.l2Half(model.weights(), 1e-3)) // ½λΣW²

  // 3. Loss and all gradients compiled once, as one program; N is bound per call.
  const step = valueAndGrad(loss, model.params())

  // 4. Adam as a pure (init, update) pair; state travels explicitly.
  const opt = optim.adam(1e-2)
  const data = Data.spiral(Random.key(1), { classes: 3, perClass: 100, noise: 0.2 })
  let p = params, s = opt.init(params), first = NaN, last = NaN
  for (let i = 0; i < 300; i++) {
    const r = step.runOwned({ ...p, x: data.x, y: data.y })
    if (i === 0) first = r.value
    last = r.value
    const [updates, s2] = opt.update(r.grads, s, p)
    p = optim.applyUpdates(p, updates)
    s = s2
  }
  const predict = compile([scores])
  const out = predict({ ...p, x: data.x })
  if (E.isLeft(out)) throw out.left
  const acc = Data.accuracy(out.right[0]!, data.y)

  // 5. Numerical gradient check (5-point central differences, CS231n relative error). A small step
  //    keeps the differences from straddling ReLU kinks.
  const check = gradcheck(loss, model.params(), { ...p, x: data.x, y: data.y }, { h: 1e-5 })
  const worst = E.isRight(check) ? check.right.maxRelError : NaN
  return { dzText, first, last, acc, worst }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = run()
  console.log(`∂f/∂z = ${r.dzText}`)
  console.log(`spiral, 300 Adam steps: loss ${r.first.toFixed(3)} → ${r.last.toFixed(3)}, training accuracy ${(100 * r.acc).toFixed(1)}%`)
  console.log(`gradcheck: worst relative error ${r.worst.toExponential(1)}`)
  void T
}
