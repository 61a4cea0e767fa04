/**
 * The progress bar on a terminal: drawn at most every redrawMs (a step takes milliseconds; a
 * terminal redrawn on every one takes a core's time from training), the epoch's last batch
 * always, nothing when stdout is not a terminal; the epoch line through `log`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { barLine, progress, redrawMs } from '../src/cli/progress.js'

const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
afterEach(() => {
  vi.restoreAllMocks()
  if (tty !== undefined) Object.defineProperty(process.stdout, 'isTTY', tty)
  else delete (process.stdout as { isTTY?: boolean }).isTTY
})

const steps = (p: ReturnType<typeof progress>, n: number) => {
  for (let b = 0; b < n; b++) p.onStep({ step: b + 1, epoch: 0, batch: b, batchesPerEpoch: n, loss: 1 / (b + 1) })
}

describe('progress', () => {
  it('on a terminal, 1,000 quick steps draw the bar a few times, the last batch among them', () => {
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true })
    const writes: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (writes.push(String(s)), true))
    const t = Date.now()
    steps(progress(1, () => {}), 1000)
    const elapsed = Date.now() - t
    expect(writes.length).toBeGreaterThanOrEqual(2)
    expect(writes.length).toBeLessThanOrEqual(2 + Math.floor(elapsed / redrawMs))
    expect(writes[0]).toContain(barLine(0, 1, 1, 1000, (1).toFixed(4)))
    expect(writes[writes.length - 1]).toContain(barLine(0, 1, 1000, 1000, (1 / 1000).toFixed(4)))
  })

  it('not on a terminal: no bar; the epoch line goes to log', () => {
    Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true })
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const lines: string[] = []
    const p = progress(2, (l) => lines.push(l))
    steps(p, 50)
    p.onEpoch({ epoch: 0, step: 50, meanLoss: 0.25, trainAccuracy: 0.9, validationAccuracy: 0.875 })
    expect(write).not.toHaveBeenCalled()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^epoch 1\/2: loss 0\.2500, train accuracy 90\.0%, validation accuracy 87\.5%  \(\d+\.\d s\)$/)
  })
})
