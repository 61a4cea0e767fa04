#!/usr/bin/env node
// `npm run docs`: the API reference with TypeDoc, into docs/api/ (git-ignored). TypeDoc reads
// sources through the TypeScript compiler API, which TypeScript 7 (this repository's compiler) no
// longer ships as JavaScript; the `typescript-6` development dependency provides it, and this hook
// hands it to TypeDoc's imports of 'typescript'.
import { register } from 'node:module'

const hook = `export async function resolve(specifier, context, next) {
  return next(specifier === 'typescript' && context.parentURL?.includes('/typedoc/') ? 'typescript-6' : specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url)
process.argv.splice(2, 0, '--options', new URL('typedoc.json', import.meta.url).pathname)
await import(new URL('../node_modules/typedoc/dist/cli.js', import.meta.url).href)
