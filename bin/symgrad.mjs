#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx, so `npx symgrad …` works after `npm ci` with no build step.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const tsx = require.resolve('tsx/cli')
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
const r = spawnSync(process.execPath, [tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(r.status ?? 1)
