/**
 * symgrad: neural networks as pure, immutable expression trees.
 * Public API: import what you need from here (`import * as sg from 'symgrad'`).
 */
export * as Shape from './core/Shape.js'
export * as Tensor from './core/Tensor.js'
export { ByteTensor, decodedByteTensor, divisorProblem } from './core/ByteTensor.js'
export * as Random from './core/Random.js'
export type { Expr, OpDef, Attrs, AttrValue, AttrCodec, Operand, VjpCtx, EvalCtx, Lowering, Notation, LawSpec, ArgDomain, OpKind } from './core/Expr.js'
export { topoSort, countNodes, apply } from './core/Expr.js'
export { defineOp, type OpSpec } from './ops/define.js'
export { SymgradError, ShapeError, GradError, orThrow, orThrowing } from './core/errors.js'
export * from './ops/index.js'
export { evaluate, evaluateAll, evaluateOrThrow, type Bindings } from './eval/evaluate.js'
export { grad, backward } from './ad/grad.js'
export { simplify, simplifyOne, type Simplified, type Fired, type SimplifyOptions } from './compile/simplify.js'
export { rule, defaultRules, type Rule } from './compile/rules.js'
export { readableRules, simplifierRules } from './compile/rules-readable.js'
export { stableRules, type StableRule, type RewriteLaw } from './compile/stableRules.js'
export { explainRules, softmaxGradRules } from './compile/softmaxGradRules.js'
export { analyze, formatHazard, formatHazards, builtinRangeRules, withRangeRules, type Analysis, type AnalyzeOptions, type Hazard, type HazardKind, type NodeRange, type RangeRule, type RangeTable } from './compile/analyze.js'
export { type Interval, showInterval } from './compile/intervals.js'
export { nanOrigin, nanOriginOrThrow, type Origin, type OriginOptions } from './compile/nanOrigin.js'
export type { StepSession } from './compile/session.js'
export {
  compile,
  valueAndGrad,
  compileStep,
  explain,
  stages,
  interpret,
  linearize,
  typecheck,
  jsBackend,
  wasmBackend,
  selectBackend,
  withCode,
  opTable,
  type CompiledFn,
  type Dtype,
  type ThreadPool,
  type WasmBackendOptions,
  type LinkOptions,
  type CompileOptions,
  type Stages,
  type ValueAndGrad,
  type ValueAndGradFn,
  type StepOutputs,
  type StepResult,
  type StepFn,
  type StepOptions,
  type Uncarried,
  type Program,
  type Eqn,
  type Backend,
  type KernelCode,
  type KernelCtx,
  type ScalarCode,
  type OpTable,
  type Formatter,
  type ExtraCode,
  type BackendCode,
  type CodeRegistries,
} from './compile/index.js'
export {
  toInfix,
  printInfix,
  toLatex,
  printLatex,
  toDot,
  circuit,
  circuitDot,
  drawGraph,
  drawGraphs,
  drawCircuit,
  traceBackward,
  formatTrace,
  type PrintOptions,
  type Printed,
  type DotOptions,
  type Circuit,
  type CircuitOptions,
  type Trace,
  type TraceRow,
  type LocalGrad,
} from './print/index.js'
export {
  gradcheck,
  checkVjp,
  formatGradcheck,
  relativeError,
  centralDifference,
  type GradcheckOptions,
  type GradcheckReport,
  type ParamReport,
  type CheckVjpOptions,
  type VjpReport,
} from './ad/gradcheck.js'
export { ex } from './print/formula.js'
export type { Hole } from './print/parseExpr.js'
export * as Data from './data/index.js'
export type { Dataset } from './data/Dataset.js'
export * as optim from './optim/index.js'
export type { GradientTransformation } from './optim/GradientTransformation.js'
export * as nn from './nn/index.js'
export * as plot from './plot/index.js'
export * as io from './records/index.js'
export { Registries, type RecordsInput } from './records/Registries.js'
export * as train from './train/index.js'

// ── …OrThrow twins of the Either-returning calls above (the error rule: see core/errors.ts) ──
import { orThrowing as orThrowing_ } from './core/errors.js'
import { gradcheck as gradcheck_, checkVjp as checkVjp_ } from './ad/gradcheck.js'
import { evaluateAll as evaluateAll_ } from './eval/evaluate.js'
import { traceBackward as traceBackward_ } from './print/index.js'
import { interpret as interpret_ } from './compile/index.js'
/** `gradcheck`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const gradcheckOrThrow = orThrowing_(gradcheck_)
/** `checkVjp`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const checkVjpOrThrow = orThrowing_(checkVjp_)
/** `evaluateAll`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const evaluateAllOrThrow = orThrowing_(evaluateAll_)
/** `traceBackward`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const traceBackwardOrThrow = orThrowing_(traceBackward_)
/** `interpret`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const interpretOrThrow = orThrowing_(interpret_)
import { typecheck as typecheck_ } from './compile/index.js'
import { circuit as circuit_ } from './print/index.js'
/** `typecheck`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const typecheckOrThrow = orThrowing_(typecheck_)
/** `circuit`'s …OrThrow twin (same arguments): the value, or the thrown SymgradError. */
export const circuitOrThrow = orThrowing_(circuit_)
