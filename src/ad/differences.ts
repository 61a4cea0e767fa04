/**
 * Central differences and the relative error used to judge them (CS231n's |a−b| / max(|a|,|b|)).
 */
export type Stencil = 3 | 5

/**
 * CS231n's relative error |a−b| / max(|a|, |b|), with the denominator at least `floor` (so two
 * values that are both tiny compare by their absolute difference); NaN or ±∞ give Infinity.
 */
export function relativeError(a: number, b: number, floor = 0): number {
  if (a === b) return 0
  const m = Math.max(Math.abs(a), Math.abs(b), floor)
  if (!Number.isFinite(m) || Number.isNaN(a) || Number.isNaN(b)) return Infinity
  return Math.abs(a - b) / m
}

// f'(0) ≈ (f(h) − f(−h)) / 2h, error −h²f‴/6;  ≈ (−f(2h) + 8f(h) − 8f(−h) + f(−2h)) / 12h, error h⁴f⁽⁵⁾/30
const STENCILS: Record<Stencil, { readonly t: readonly number[]; readonly c: readonly number[]; readonly d: number }> = {
  3: { t: [1, -1], c: [1, -1], d: 2 },
  5: { t: [2, 1, -1, -2], c: [-1, 8, -8, 1], d: 12 },
}

/** f'(0) of a scalar function of one variable by central differences. */
export function centralDifference(f: (t: number) => number, h: number, stencil: Stencil = 5): number {
  return differences((t) => ({ value: f(t), scale: 0 }), h, stencil).value
}

/**
 * f'(0) and an estimate of its rounding error: ε·Σ|cᵢ|·scaleᵢ / (d·h), where scaleᵢ bounds the
 * magnitude of the terms summed into f(tᵢ).
 */
export function differences(f: (t: number) => { value: number; scale: number }, h: number, stencil: Stencil): { value: number; noise: number } {
  const s = STENCILS[stencil]
  let value = 0
  let noise = 0
  s.t.forEach((t, i) => {
    const r = f(t * h)
    value += s.c[i]! * r.value
    noise += Math.abs(s.c[i]!) * Math.max(r.scale, Math.abs(r.value))
  })
  return { value: value / (s.d * h), noise: (Number.EPSILON * noise) / (s.d * h) }
}

