/** symgrad/node: the pieces that need Node's APIs (kept out of the browser-safe core). */
export { threadPool } from './threads.js'
