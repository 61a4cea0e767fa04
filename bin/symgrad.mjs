#!/usr/bin/env node
// Launcher: registers tsx's loader in this process and runs the TypeScript CLI, so `npx symgrad …`
// works after `npm ci` with no build step.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/bin.ts')
