#!/usr/bin/env node
// `npm start`'s launcher: the built main job when dist/ is current, else the sources (bin/launch.mjs).
import { launch } from './launch.mjs'

await launch('cli/start')
