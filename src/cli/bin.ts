/** The process entry of `symgrad` (bin/symgrad.mjs imports it): runs main on argv and sets the exit status. */
import { main } from './main.js'
import { enableRelaxedSimd } from '../runner/relaxedSimd.js'

// `symgrad … | head`: a closed pipe ends the output quietly
process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : (() => { throw e })()))

enableRelaxedSimd()
main(process.argv.slice(2)).then((code) => (process.exitCode = code))
