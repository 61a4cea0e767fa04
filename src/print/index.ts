/** Printers: infix text, LaTeX, Graphviz DOT, and the backward-pass trace. */
export { toInfix, printInfix, textStyle } from './infix.js'
export { toLatex, printLatex, latexStyle, latexNumber } from './latex.js'
export { toDot, nodeLabel, type DotOptions } from './dot.js'
export { traceBackward, formatTrace, differentiableLeaves, type Trace, type TraceRow, type LocalGrad, type FormatOptions } from './trace.js'
export { render, pieceOf, formatNumber, minusSign, type PrintOptions, type Printed, type Style, type Piece } from './layout.js'
export { circuit, circuitDot, circuitsDot, showValue, type Circuit, type CircuitNode, type Wire, type CircuitOptions } from './circuit.js'
export { drawGraph, drawGraphs, drawCircuit, stackSvgs } from './drawGraph.js'
export { domainNote, type DomainNote } from './domain.js'
