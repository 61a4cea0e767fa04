/** symgrad/web: browser-only pieces (Web Workers), kept out of the core. */
export { webThreadPool, webWorkerSource, type WebThreadPool, type WorkerLike } from './threads.js'
