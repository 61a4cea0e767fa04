/**
 * ops: the built-in primitives with their builders (builtins.ts), composites, registries as values
 * (Registry.ts) and attribute codecs (attrs.ts).
 */
export * from './builtins.js'
export * from './composite.js'
export { broadcastArgs, type Bin } from './pointwise.js'
export * as Registry from './Registry.js'
export { Attr, noAttrs } from './attrs.js'
