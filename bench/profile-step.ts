/**
 * Profiles the compiled training step alone: `node --cpu-prof --import tsx bench/profile-step.ts [small|big] [steps]`,
 * then open the .cpuprofile (Chrome DevTools) to see where the time goes.
 */
import { configs, initParams, loadMnist, median } from './common.js'
import { compiled } from './peers/symgrad.js'

const cfg = configs[(process.argv[2] as 'small' | 'big' | undefined) ?? 'small']
const steps = Number(process.argv[3] ?? 300)
const data = loadMnist(cfg.batch, true)
const t = await compiled(cfg, initParams(cfg))
const times: number[] = []
for (let s = 0; s < steps; s++) {
  const t0 = performance.now()
  t.step(data.train[s % data.train.length]!)
  times.push(performance.now() - t0)
}
console.log(`${cfg.name}: median ${median(times.slice(5)).toFixed(3)} ms/step over ${steps - 5} steps`)
