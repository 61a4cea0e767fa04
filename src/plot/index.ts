/** Plots as SVG text (svg.ts) and contour lines of a sampled function (contour.ts). */
export * from './svg.js'
export * from './contour.js'
