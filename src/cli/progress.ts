/** A progress bar per epoch (cli-progress), drawn only on a terminal; returns the onStep/onEpoch pair. */
import cliProgress from 'cli-progress'
import type { EpochRecord, StepInfo } from '../train/index.js'
import { pct } from '../train/diagnostics.js'

export function progress(epochs: number, log: (line: string) => void = console.log): { onStep: (s: StepInfo) => void; onEpoch: (e: EpochRecord) => void } {
  let bar: cliProgress.SingleBar | undefined
  const t0 = Date.now()
  return {
    onStep: (s) => {
      if (!process.stdout.isTTY) return
      if (bar === undefined) {
        bar = new cliProgress.SingleBar(
          { format: `epoch ${s.epoch + 1}/${epochs} [{bar}] {value}/{total} batches | loss {loss}`, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        )
        bar.start(s.batchesPerEpoch, 0, { loss: '…' })
      }
      bar.update(s.batch + 1, { loss: s.loss.toFixed(4) })
    },
    onEpoch: (e) => {
      bar?.stop()
      bar = undefined
      const val = e.validationAccuracy !== undefined ? `, validation accuracy ${pct(e.validationAccuracy)}` : ''
      log(`epoch ${e.epoch + 1}/${epochs}: loss ${e.meanLoss.toFixed(4)}, train accuracy ${pct(e.trainAccuracy)}${val}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    },
  }
}
