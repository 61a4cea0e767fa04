/** The `ex` formula template: the explain parser over holes that are Exprs or numbers. */
import { describe, expect, it } from 'vitest'
import { add, evaluateOrThrow, ex, grad, input, mul, param, SymgradError, Tensor, toInfix } from '../src/index.js'

describe('ex`…`', () => {
  const x = input('x', [])
  const y = input('y', [])
  const z = input('z', [])

  it('(${x} + ${y}) * ${z} is mul(add(x, y), z): same value and gradients at (−2, 5, −4)', () => {
    const f = ex`(${x} + ${y}) * ${z}`
    const g = mul(add(x, y), z)
    const at = { x: -2, y: 5, z: -4 }
    expect(evaluateOrThrow(f, at).data[0]).toBe(-12)
    expect(toInfix(f)).toBe(toInfix(g))
    expect(grad(f, [x, y, z]).map((d) => evaluateOrThrow(d, at).data[0])).toEqual([-4, -4, 3])
  })

  it('numbers as holes, functions, powers, and tensors that broadcast', () => {
    const k = 3
    expect(evaluateOrThrow(ex`sigmoid(${x} * ${k})^2 + max(${y}, 1)`, { x: 0, y: -5 }).data[0]).toBeCloseTo(1.25, 15)
    const W = param('W', [2, 2])
    const h = ex`relu(${W} * 2 - ${x})`
    expect([...evaluateOrThrow(h, { W: Tensor.make([2, 2], [1, -1, 0.25, 3]), x: 1 }).data]).toEqual([1, 0, 0, 5])
  })

  it('errors quote the template with its holes and name the column', () => {
    expect(() => ex`(${x} + ) * ${z}`).toThrow(SymgradError)
    expect(() => ex`(${x} + ) * ${z}`).toThrow('ex "(${0} + ) * ${1}": unexpected \')\' at column 9')
    expect(() => ex`${x} ${y}`).toThrow('ex "${0} ${1}": unexpected \'${1}\' at column 6')
    expect(() => ex`foo(${x})`).toThrow(/unknown function 'foo' at column 1/)
    expect(() => ex`${'x' as never} + 1`).toThrow('ex "${0} + 1": ${0} is string, expected an Expr or a number')
    const v = param('v', [3])
    expect(() => ex`${W2()} + ${v}`).toThrow(/ex "\$\{0\} \+ \$\{1\}": add: argument 2 of shape \[3\] does not broadcast/)
  })
})

function W2() {
  return param('W2', [2])
}
