/** A progress bar per epoch, drawn on one terminal line (only on a terminal); returns the onStep/onEpoch pair. */
import type { EpochRecord, StepInfo } from '../train/index.js'
import { pct } from '../train/diagnostics.js'

const WIDTH = 40

/** `epoch 1/5 [████░░░░] 12/50 batches | loss 0.4321`: the bar's text for `done` of `total` batches. */
export function barLine(epoch: number, epochs: number, done: number, total: number, loss: string): string {
  const filled = total > 0 ? Math.round((WIDTH * Math.min(done, total)) / total) : 0
  return `epoch ${epoch + 1}/${epochs} [${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${done}/${total} batches | loss ${loss}`
}

/** Milliseconds between two drawings of the bar: a step takes a few milliseconds, and a terminal redrawn 300 times a second takes a core's time from training. */
export const redrawMs = 100

export function progress(epochs: number, log: (line: string) => void = console.log): { onStep: (s: StepInfo) => void; onEpoch: (e: EpochRecord) => void } {
  let drawn = false
  let last = -Infinity
  const t0 = Date.now()
  const clear = () => {
    if (drawn) process.stdout.write('\r\x1b[2K\x1b[?25h')
    drawn = false
  }
  return {
    onStep: (s) => {
      if (!process.stdout.isTTY) return
      // at most every redrawMs, and the epoch's last batch always
      const now = Date.now()
      if (now - last < redrawMs && s.batch + 1 < s.batchesPerEpoch) return
      last = now
      process.stdout.write(`${drawn ? '' : '\x1b[?25l'}\r${barLine(s.epoch, epochs, s.batch + 1, s.batchesPerEpoch, s.loss.toFixed(4))}`)
      drawn = true
    },
    onEpoch: (e) => {
      clear()
      const val = e.validationAccuracy !== undefined ? `, validation accuracy ${pct(e.validationAccuracy)}` : ''
      log(`epoch ${e.epoch + 1}/${epochs}: loss ${e.meanLoss.toFixed(4)}, train accuracy ${pct(e.trainAccuracy)}${val}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    },
  }
}
