/**
 * fast-check arbitraries for tensors drawn inside an op's declared domain: uniform in [lo, hi]
 * with a margin cut out around each `awayFrom` point (kinks such as relu's 0), integer labels in
 * [0, C), or PRNG key words. Values come from uniform integers (`fc.noBias`), not from
 * `fc.double`, whose bias towards edge values would produce ties and kinks on purpose.
 */
import fc from 'fast-check'
import type { ArgDomain, LawSpec } from '../src/core/Expr.js'
import type { Concrete } from '../src/core/Shape.js'
import * as S from '../src/core/Shape.js'
import type { Tensor } from '../src/core/Tensor.js'

/** Default domain of an argument when the op declares none. */
export const defaultDomain: ArgDomain = { lo: -2, hi: 2 }

const STEPS = 2 ** 30

/** The allowed sub-intervals of [lo, hi] once `margin` is cut out around each `awayFrom` point. */
export function allowedIntervals(lo: number, hi: number, awayFrom: readonly number[], margin: number): [number, number][] {
  let parts: [number, number][] = [[lo, hi]]
  for (const p of awayFrom) {
    const next: [number, number][] = []
    for (const [a, b] of parts) {
      if (p + margin <= a || p - margin >= b) next.push([a, b])
      else {
        if (p - margin > a) next.push([a, p - margin])
        if (p + margin < b) next.push([p + margin, b])
      }
    }
    parts = next
  }
  if (parts.length === 0) throw new RangeError(`domain [${lo}, ${hi}] is empty once ${margin} is kept from [${awayFrom.join(', ')}]`)
  return parts
}

/** Maps u ∈ [0, 1) onto the union of intervals, uniformly by length. */
export function mapToIntervals(parts: readonly (readonly [number, number])[], u: number): number {
  const total = parts.reduce((s, [a, b]) => s + (b - a), 0)
  let r = u * total
  for (const [a, b] of parts) {
    if (r <= b - a) return a + r
    r -= b - a
  }
  const last = parts[parts.length - 1]!
  return last[1]
}

/** Whether an argument's domain is class labels (integers below `labels`). */
export function isLabels(d: ArgDomain): d is { readonly labels: number } {
  return 'labels' in d
}

/** Whether an argument's domain is PRNG keys. */
export function isKeys(d: ArgDomain): d is { readonly keys: true } {
  return 'keys' in d
}

/** Whether an argument takes part in derivative checks (reals, not labels or keys). */
export function isReal(d: ArgDomain): boolean {
  return !isLabels(d) && !isKeys(d)
}

/** A float64 tensor of `shape` with every element inside `domain`, away from its kinks by `margin`. */
export function tensorArb(shape: Concrete, domain: ArgDomain = defaultDomain, margin = 0.05): fc.Arbitrary<Tensor> {
  const n = S.size(shape)
  const mk = (xs: readonly number[]): Tensor => ({ shape: [...shape], data: Float64Array.from(xs) })
  if (isLabels(domain))
    return fc.noBias(fc.array(fc.integer({ min: 0, max: domain.labels - 1 }), { minLength: n, maxLength: n })).map(mk)
  if (isKeys(domain))
    return fc.noBias(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: n, maxLength: n })).map(mk)
  const parts = allowedIntervals(domain.lo, domain.hi, domain.awayFrom ?? [], margin)
  return fc
    .noBias(fc.array(fc.integer({ min: 0, max: STEPS - 1 }), { minLength: n, maxLength: n }))
    .map((xs) => mk(xs.map((i) => mapToIntervals(parts, i / STEPS))))
}

/** A direction or cotangent: elements uniform in [−1, 1]. */
export function directionArb(shape: Concrete): fc.Arbitrary<Tensor> {
  return tensorArb(shape, { lo: -1, hi: 1 })
}

/** The domain an op declares for argument `i`, or the default [−2, 2]. */
export function argDomain(spec: LawSpec | undefined, i: number): ArgDomain {
  return spec?.domain?.[i] ?? defaultDomain
}
