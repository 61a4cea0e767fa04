/**
 * Preprocessing as pure fit/apply pairs (CS231n "Data preprocessing"). `fit` reads TRAINING data
 * only and returns a Transform: plain data (tensors and numbers) that can be serialized; `apply`
 * maps any data (train, validation, test) with those training statistics; `inverse` maps back.
 *
 *   center         x − μ                       μ: mean image (per feature)
 *   channelCenter  x − μ_c                     μ_c: one mean per channel (rows channels-last)
 *   standardize    (x − μ) / σ                 σ: per-feature std; σ ≤ eps is replaced by 1, so a
 *                                              constant pixel maps to 0 instead of dividing by ~0
 *   pca            (x − μ)·U_k                 U_k: top-k unit eigenvectors of the covariance
 *   pcaWhiten      (x − μ)·U_k / √(λ_k + eps)  whitened: covariance diag(λ/(λ+eps)) ≈ I
 *   zca            (x − μ)·U diag(1/√(λ+eps)) Uᵀ   whitened and rotated back (symmetric matrix)
 *
 * Covariance and variance use 1/N. Eigenvectors come from ml-matrix (see linalg.ts), largest
 * eigenvalue first. `inverse` of pca/pcaWhiten with k < D is the least-squares reconstruction.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import * as S from '../core/Shape.js'
import type { Tensor } from '../core/Tensor.js'
import { tensorProblem } from '../core/Tensor.js'
import { SymgradError, orThrowing } from '../core/errors.js'
import { findNonFinite, withFeatures } from './Dataset.js'
import type { Dataset } from './Dataset.js'
import type { Splits } from './split.js'
import { columnMeans, covariance, eigSym, matmul, matmulT } from './linalg.js'

/** A preprocessing step and its options: center, channelCenter, standardize, pca, pcaWhiten, zca. */
export type Spec =
  | { readonly kind: 'center' }
  | { readonly kind: 'channelCenter'; readonly channels: number }
  | { readonly kind: 'standardize'; readonly eps?: number }
  | { readonly kind: 'pca'; readonly k: number }
  | { readonly kind: 'pcaWhiten'; readonly k: number; readonly eps?: number }
  | { readonly kind: 'zca'; readonly eps?: number }

/** A fitted preprocessing: what it subtracts and multiplies by, applied to any split. */
export type Transform =
  | { readonly kind: 'center'; readonly mean: Tensor }
  | { readonly kind: 'channelCenter'; readonly mean: Tensor; readonly channels: number }
  | { readonly kind: 'standardize'; readonly mean: Tensor; readonly std: Tensor; readonly eps: number }
  | { readonly kind: 'pca'; readonly mean: Tensor; readonly components: Tensor; readonly variances: Tensor }
  | { readonly kind: 'pcaWhiten'; readonly mean: Tensor; readonly components: Tensor; readonly variances: Tensor; readonly eps: number }
  | { readonly kind: 'zca'; readonly mean: Tensor; readonly components: Tensor; readonly variances: Tensor; readonly eps: number; readonly matrix: Tensor }

/** Default eps of standardize: the guard added to each feature's standard deviation. */
export const STD_EPS = 1e-8
/** Default eps of the whitening transforms, added to each eigenvalue λ (1/√(λ + ε)), so near-zero directions are not blown up. */
export const WHITEN_EPS = 1e-5

type Result<A> = Either<SymgradError, A>
const fail = (m: string): Result<never> => E.left(new SymgradError('value', m))
const vec = (data: Float64Array): Tensor => ({ shape: [data.length], data })

function checkMatrix(x: Tensor, where: string, minRows: number, scan = true): Result<readonly [number, number]> {
  const notTensor = tensorProblem(x)
  if (notTensor !== undefined) return fail(`${where}: the data is not a tensor: ${notTensor}`)
  if (x.shape.length !== 2) return fail(`${where}: expected data of shape [N, D], got ${S.show(x.shape)}`)
  const [n, d] = x.shape as [number, number]
  if (n < minRows) return fail(`${where}: needs at least ${minRows} example(s), got ${n}`)
  return scan ? finiteOrFail(x, where, [n, d]) : E.right([n, d])
}

function finiteOrFail<A>(x: Tensor, where: string, a: A): Result<A> {
  const bad = findNonFinite(x)
  return bad ? fail(`${where}: non-finite value ${bad.value} at row ${bad.row}, column ${bad.col}`) : E.right(a)
}

/** Fits mean subtraction on training rows. */
export function fitCenter(x: Tensor): Result<Transform> {
  const c = checkMatrix(x, 'fitCenter', 1, false)
  if (E.isLeft(c)) return c
  const [n, d] = c.right
  const mean = columnMeans(x.data, n, d)
  // a non-finite entry makes its column's sum non-finite: the rows are scanned only then (one pass over them, not two)
  return mean.every(Number.isFinite) ? E.right({ kind: 'center', mean: vec(mean) }) : finiteOrFail(x, 'fitCenter', { kind: 'center', mean: vec(mean) })
}

/** Per-channel means of channels-last rows (D = H·W·C, channel of column j is j mod C). */
export function fitChannelCenter(x: Tensor, channels: number): Result<Transform> {
  const c = checkMatrix(x, 'fitChannelCenter', 1)
  if (E.isLeft(c)) return c
  const [n, d] = c.right
  if (!Number.isInteger(channels) || channels < 1 || d % channels !== 0)
    return fail(`fitChannelCenter: ${channels} channels do not divide the ${d} features per row`)
  const sums = new Float64Array(channels)
  for (let i = 0; i < n * d; i++) sums[i % channels]! += x.data[i]!
  const per = (n * d) / channels
  return E.right({ kind: 'channelCenter', channels, mean: vec(sums.map((s) => s / per)) })
}

/** Fits per-feature standardization (x − μ)/σ on training rows. */
export function fitStandardize(x: Tensor, eps = STD_EPS): Result<Transform> {
  const c = checkMatrix(x, 'fitStandardize', 1)
  if (E.isLeft(c)) return c
  const [n, d] = c.right
  const mean = columnMeans(x.data, n, d)
  const v = new Float64Array(d)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const e = x.data[i * d + j]! - mean[j]!
      v[j]! += e * e
    }
  const std = v.map((s) => {
    const sd = Math.sqrt(s / n)
    return sd > eps ? sd : 1
  })
  return E.right({ kind: 'standardize', mean: vec(mean), std: vec(std), eps })
}

function fitEigen(x: Tensor, where: string, k: number): Result<{ mean: Float64Array; u: Float64Array; values: Float64Array; d: number }> {
  const c = checkMatrix(x, where, 1)
  if (E.isLeft(c)) return c
  const [n, d] = c.right
  if (!Number.isInteger(k) || k < 1 || k > d) return fail(`${where}: k must be an integer in 1..${d}, got ${k}`)
  const mean = columnMeans(x.data, n, d)
  const eig = eigSym(covariance(x.data, n, d, mean), d)
  const u = new Float64Array(d * k)
  for (let r = 0; r < d; r++) u.set(eig.vectors.subarray(r * d, r * d + k), r * k)
  return E.right({ mean, u, values: eig.values.slice(0, k), d })
}

/** PCA to k dimensions: components [D, k] (unit columns), variances [k] (largest first). */
export function fitPca(x: Tensor, k: number): Result<Transform> {
  const f = fitEigen(x, 'fitPca', k)
  if (E.isLeft(f)) return f
  const { mean, u, values, d } = f.right
  return E.right({ kind: 'pca', mean: vec(mean), components: { shape: [d, k], data: u }, variances: vec(values) })
}

/**
 * Left when whitening would divide by zero: ε must be a finite non-negative number, and every
 * variance λᵢ + ε of the first `k` components positive (ε = 0 with a constant direction in the
 * data makes 1/√(λ+ε) infinite and every output NaN).
 */
function checkWhitening(where: string, values: Float64Array, k: number, eps: number): Result<true> {
  if (!(Number.isFinite(eps) && eps >= 0)) return fail(`${where}: eps must be a finite number ≥ 0, got ${eps}`)
  for (let i = 0; i < k; i++)
    if (!(values[i]! + eps > 0) || !Number.isFinite(1 / Math.sqrt(values[i]! + eps)))
      return fail(`${where}: component ${i} has variance ${values[i]} and eps = ${eps}, so 1/√(variance + eps) is not finite; pass eps > 0 (the default is ${WHITEN_EPS})`)
  return E.right(true)
}

/** Fits PCA whitening on training rows (rotation to the eigenbasis, scaled to unit variance). */
export function fitPcaWhiten(x: Tensor, k: number, eps = WHITEN_EPS): Result<Transform> {
  const f = fitEigen(x, 'fitPcaWhiten', k)
  if (E.isLeft(f)) return f
  const { mean, u, values, d } = f.right
  const ok = checkWhitening('fitPcaWhiten', values, k, eps)
  if (E.isLeft(ok)) return ok
  return E.right({ kind: 'pcaWhiten', mean: vec(mean), components: { shape: [d, k], data: u }, variances: vec(values), eps })
}

/** Fits ZCA whitening on training rows (PCA whitening rotated back). */
export function fitZca(x: Tensor, eps = WHITEN_EPS): Result<Transform> {
  const d = x.shape[1] ?? 0
  const f = fitEigen(x, 'fitZca', d)
  if (E.isLeft(f)) return f
  const { mean, u, values } = f.right
  const ok = checkWhitening('fitZca', values, d, eps)
  if (E.isLeft(ok)) return ok
  const scaled = u.map((v, i) => v / Math.sqrt(values[i % d]! + eps))
  const w = matmulT(scaled, u, d, d, d) // U diag(1/√(λ+eps)) Uᵀ
  for (let a = 0; a < d; a++) // exact symmetry (the two triangles differ only by round-off)
    for (let b = a + 1; b < d; b++) {
      const s = 0.5 * (w[a * d + b]! + w[b * d + a]!)
      w[a * d + b] = s
      w[b * d + a] = s
    }
  const components = { shape: [d, d], data: u }
  return E.right({ kind: 'zca', mean: vec(mean), components, variances: vec(values), eps, matrix: { shape: [d, d], data: w } })
}

/** Fits the preprocessing `spec` on training rows. */
export function fit(spec: Spec, x: Tensor): Result<Transform> {
  switch (spec.kind) {
    case 'center': return fitCenter(x)
    case 'channelCenter': return fitChannelCenter(x, spec.channels)
    case 'standardize': return fitStandardize(x, spec.eps)
    case 'pca': return fitPca(x, spec.k)
    case 'pcaWhiten': return fitPcaWhiten(x, spec.k, spec.eps)
    case 'zca': return fitZca(x, spec.eps)
  }
}

type Featurewise = Exclude<Transform, { readonly kind: 'channelCenter' }>

/** Number of input features a fitted transform expects, and of output features it makes. */
function dims(t: Featurewise): { readonly input: number; readonly output: number } {
  const input = t.mean.shape[0]!
  return { input, output: t.kind === 'pca' || t.kind === 'pcaWhiten' ? t.components.shape[1]! : input }
}

function centered(x: Float64Array, mean: Tensor): Float64Array {
  const d = mean.data.length
  return x.map((v, i) => v - mean.data[i % d]!)
}

/** Applies a fitted transform to [N, D] data (any split); never changes its arguments. */
export function apply(t: Transform, x: Tensor): Result<Tensor> {
  const c = checkMatrix(x, `apply ${t.kind}`, 0)
  if (E.isLeft(c)) return c
  const [n, d] = c.right
  if (t.kind === 'channelCenter') {
    if (d % t.channels !== 0) return fail(`apply channelCenter: ${t.channels} channels do not divide the ${d} features per row`)
    return E.right({ shape: [n, d], data: x.data.map((v, i) => v - t.mean.data[i % t.channels]!) })
  }
  const { input, output } = dims(t)
  if (d !== input) return fail(`apply ${t.kind}: expected rows of ${input} features (as fitted), got ${S.show(x.shape)}`)
  switch (t.kind) {
    case 'center':
      return E.right({ shape: [n, d], data: centered(x.data, t.mean) })
    case 'standardize':
      return E.right({ shape: [n, d], data: x.data.map((v, i) => (v - t.mean.data[i % d]!) / t.std.data[i % d]!) })
    case 'pca':
      return E.right({ shape: [n, output], data: matmul(centered(x.data, t.mean), t.components.data, n, d, output) })
    case 'pcaWhiten': {
      const y = matmul(centered(x.data, t.mean), t.components.data, n, d, output)
      return E.right({ shape: [n, output], data: y.map((v, i) => v / Math.sqrt(t.variances.data[i % output]! + t.eps)) })
    }
    case 'zca':
      return E.right({ shape: [n, d], data: matmul(centered(x.data, t.mean), t.matrix.data, n, d, d) })
  }
}

/** Maps transformed data back to the input space (for k < D: the least-squares reconstruction). */
export function inverse(t: Transform, y: Tensor): Result<Tensor> {
  const c = checkMatrix(y, `inverse ${t.kind}`, 0)
  if (E.isLeft(c)) return c
  const [n, m] = c.right
  if (t.kind === 'channelCenter') {
    if (m % t.channels !== 0) return fail(`inverse channelCenter: ${t.channels} channels do not divide the ${m} features per row`)
    return E.right({ shape: [n, m], data: y.data.map((v, i) => v + t.mean.data[i % t.channels]!) })
  }
  const { input: d, output } = dims(t)
  if (m !== output) return fail(`inverse ${t.kind}: expected rows of ${output} features, got ${S.show(y.shape)}`)
  const uncenter = (z: Float64Array): Tensor => ({ shape: [n, d], data: z.map((v, i) => v + t.mean.data[i % d]!) })
  switch (t.kind) {
    case 'center':
      return E.right(uncenter(y.data))
    case 'standardize':
      return E.right(uncenter(y.data.map((v, i) => v * t.std.data[i % d]!)))
    case 'pca':
      return E.right(uncenter(matmulT(y.data, t.components.data, n, m, d)))
    case 'pcaWhiten': {
      const s = y.data.map((v, i) => v * Math.sqrt(t.variances.data[i % m]! + t.eps))
      return E.right(uncenter(matmulT(s, t.components.data, n, m, d)))
    }
    case 'zca': {
      const r = matmul(y.data, t.components.data, n, d, d) // rotate into the eigenbasis
      const s = r.map((v, i) => v * Math.sqrt(t.variances.data[i % d]! + t.eps))
      return E.right(uncenter(matmulT(s, t.components.data, n, d, d)))
    }
  }
}

/**
 * Fits `spec` on the training split only and applies it to all three splits, so validation and
 * test data are transformed with training statistics.
 */
export function fitApply(spec: Spec, splits: Splits): Result<{ readonly transform: Transform } & Splits> {
  const t = fit(spec, splits.train.x)
  if (E.isLeft(t)) return t
  const out: Partial<Record<keyof Splits, Dataset>> = {}
  for (const part of ['train', 'validation', 'test'] as const) {
    const y = apply(t.right, splits[part].x)
    if (E.isLeft(y)) return y
    out[part] = withFeatures(splits[part], y.right)
  }
  return E.right({ transform: t.right, train: out.train!, validation: out.validation!, test: out.test! })
}

// ── …OrThrow twins (the error rule: see orThrowing in core/errors.ts) ─────────────────────────
/** `fit`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitOrThrow = orThrowing(fit)
/** `apply`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const applyOrThrow = orThrowing(apply)
/** `inverse`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const inverseOrThrow = orThrowing(inverse)
/** `fitApply`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitApplyOrThrow = orThrowing(fitApply)
/** `fitCenter`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitCenterOrThrow = orThrowing(fitCenter)
/** `fitChannelCenter`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitChannelCenterOrThrow = orThrowing(fitChannelCenter)
/** `fitStandardize`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitStandardizeOrThrow = orThrowing(fitStandardize)
/** `fitPca`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitPcaOrThrow = orThrowing(fitPca)
/** `fitPcaWhiten`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitPcaWhitenOrThrow = orThrowing(fitPcaWhiten)
/** `fitZca`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const fitZcaOrThrow = orThrowing(fitZca)
