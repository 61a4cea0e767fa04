#!/usr/bin/env node
// `symgrad`'s launcher: the built CLI when dist/ is current, else the sources through tsx
// (bin/launch.mjs). With `--with` it runs the sources in the repository, so a records module there,
// importing '../src/index.js', shares the CLI's copy of symgrad; an installed package runs dist/.
import { launch } from './launch.mjs'

const args = process.argv.slice(2)
await launch('cli/bin', { sources: args.some((a) => a === '--with' || a.startsWith('--with=')) })
