#!/usr/bin/env node
// Launcher. In the repository (src/ present) it registers tsx's loader in this process and runs the
// TypeScript CLI, so `npx symgrad …` runs the current sources; in an installed package (src/ is not
// shipped) it runs the compiled CLI in dist/, built by `npm run build` (npm's `prepare`, so `npm ci`
// and `npm pack` build it).
import { existsSync } from 'node:fs'

const src = new URL('../src/cli/bin.ts', import.meta.url)
if (existsSync(src)) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(src.href)
} else await import('../dist/src/cli/bin.js')
