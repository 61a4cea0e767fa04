/** symgrad/web: browser-only pieces (Web Workers), kept out of the core. */
export { webThreadPool, webWorkerSource, type WorkerLike } from './threads.js'
