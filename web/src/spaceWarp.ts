/**
 * The Space-warp panel (lecture 4's "transformation of space"; ConvNetJS's 2-D classifier demo): a
 * small tanh net learns the spiral in this page, and a grid over the input plane is drawn as each
 * hidden layer sees it, frame by frame while it trains: the layers bend the plane until a straight
 * line (the last layer) separates the classes.
 */
import { el } from './dom.js'
import { classColors } from './classifier.js'
import { lineChart } from './lineChart.js'
import { gridPoints, startWarp, warpArchitectures, warpSpec, type LayerView, type WarpArchitecture, type WarpFrame, type WarpSettings } from './warpModel.js'

const architectures: readonly WarpArchitecture[] = ['8-2', '2', '16']
const labels: Record<WarpArchitecture, string> = { '8-2': '2 → 8 tanh → 2 tanh → classes', '2': '2 → 2 tanh → classes', '16': '2 → 16 tanh → classes' }

interface View {
  readonly canvas: HTMLCanvasElement
  readonly caption: HTMLElement
}

/** A class's colour lightened towards white: t = 0 palest, 1 strongest. */
function pale(k: number, t: number): readonly [number, number, number] {
  const c = classColors[k % classColors.length]!
  const a = 0.15 + 0.35 * Math.max(0, Math.min(1, t))
  return [0, 1, 2].map((i) => Math.round(255 * (1 - a) + c[i]! * a)) as unknown as [number, number, number]
}

/** Draws grid lines and data points at `xy` (grid rows first) in a box around them; `fill` paints the background per pixel. */
function drawSpace(c: HTMLCanvasElement, xy: Float64Array, labelsOf: Float64Array, box: readonly [number, number, number, number], fill?: (x: number, y: number) => readonly [number, number, number]): void {
  const ctx = c.getContext('2d')!
  const [W, H] = [c.width, c.height]
  const [x0, x1, y0, y1] = box
  const px = (x: number) => ((x - x0) / (x1 - x0)) * W
  const py = (y: number) => ((y1 - y) / (y1 - y0)) * H
  const img = ctx.createImageData(W, H)
  img.data.fill(255)
  if (fill !== undefined)
    for (let j = 0; j < H; j++)
      for (let i = 0; i < W; i++) {
        const col = fill(x0 + ((i + 0.5) / W) * (x1 - x0), y1 - ((j + 0.5) / H) * (y1 - y0))
        for (let k = 0; k < 3; k++) img.data[4 * (j * W + i) + k] = col[k]!
      }
  ctx.putImageData(img, 0, 0)
  const { lines, samples } = warpSpec
  for (let l = 0; l < 2 * lines; l++) {
    const centre = l % lines === (lines - 1) / 2
    ctx.strokeStyle = centre ? 'rgba(0,0,0,0.75)' : 'rgba(60,60,60,0.45)'
    ctx.lineWidth = centre ? 1.6 : 1
    ctx.beginPath()
    for (let j = 0; j < samples; j++) {
      const i = l * samples + j
      if (j === 0) ctx.moveTo(px(xy[2 * i]!), py(xy[2 * i + 1]!))
      else ctx.lineTo(px(xy[2 * i]!), py(xy[2 * i + 1]!))
    }
    ctx.stroke()
  }
  const nGrid = 2 * lines * samples
  ctx.lineWidth = 1
  for (let i = 0; i < labelsOf.length; i++) {
    ctx.beginPath()
    ctx.arc(px(xy[2 * (nGrid + i)]!), py(xy[2 * (nGrid + i) + 1]!), 3, 0, 2 * Math.PI)
    ctx.fillStyle = `rgb(${classColors[labelsOf[i]! % classColors.length]!.join(',')})`
    ctx.fill()
    ctx.strokeStyle = 'white'
    ctx.stroke()
  }
}

/** A square box around the points (equal scales on both axes), padded by 6%. */
function boxOf(xy: Float64Array): [number, number, number, number] {
  let [a, b, c, d] = [Infinity, -Infinity, Infinity, -Infinity]
  for (let i = 0; i < xy.length; i += 2) ((a = Math.min(a, xy[i]!)), (b = Math.max(b, xy[i]!)), (c = Math.min(c, xy[i + 1]!)), (d = Math.max(d, xy[i + 1]!)))
  const half = 1.06 * Math.max(b - a, d - c, 1e-9) / 2
  return [(a + b) / 2 - half, (a + b) / 2 + half, (c + d) / 2 - half, (c + d) / 2 + half]
}

export function spaceWarpPanel(root: HTMLElement): void {
  const arch = el('select', { id: 'sw-arch' }, ...architectures.map((a) => el('option', { value: a }, labels[a])))
  const classes = el('select', { id: 'sw-classes' }, el('option', { value: '2' }, '2 arms'), el('option', { value: '3' }, '3 arms'))
  const play = el('button', { id: 'sw-play' }, 'Train')
  const step = el('button', { id: 'sw-step' }, '+10 steps')
  const reset = el('button', { id: 'sw-reset' }, 'Reset')
  const status = el('div', { id: 'sw-status', class: 'status' })
  const views = el('div', { class: 'row sw-views' })
  const lossC = el('canvas', { id: 'sw-loss', width: 320, height: 170 })
  root.append(
    el('p', { class: 'lede' }, `A tanh network learns the library's spiral in this page (Adam, learning rate ${warpSpec.lr}, full batch). Each picture is the same grid over the input plane and the same points, as a layer sees them: the input, then each hidden layer's output. A 2-unit layer is drawn as it is (tanh keeps it in the square [−1, 1]²); a wider layer is shown on its first two principal components (PCA of the training points' activations, recomputed each frame). Training bends and folds the plane until, in the last hidden layer, straight lines — the output layer — separate the classes (shaded behind a 2-unit last layer; a projection of a wider one need not show them).`),
    el('div', { class: 'controls' }, el('label', {}, 'network ', arch), el('label', {}, 'data: spiral, ', classes), play, step, reset),
    status, views,
    el('figure', {}, lossC, el('figcaption', {}, 'training loss per step')),
  )
  let run = startWarp(settings())
  let running = false
  /** Bumped at each start and restart, so a frame scheduled for an earlier loop does nothing. */
  let loop = 0
  let shown: View[] = []
  function settings(): WarpSettings {
    return { architecture: arch.value as WarpArchitecture, classes: Number(classes.value) as 2 | 3 }
  }
  const layout = (): void => {
    const widths = warpArchitectures[settings().architecture]
    const titles = ['input plane (shaded: the predicted class)', ...widths.map((w, k) => `hidden layer ${k + 1}: ${w} tanh units${w !== 2 ? ', first two principal components' : k === widths.length - 1 ? ' (shaded: the class the output layer gives each point of this square)' : ''}`)]
    shown = titles.map((t) => ({ canvas: el('canvas', { width: 300, height: 300, class: 'sw-view' }), caption: el('figcaption', {}, t) }))
    views.replaceChildren(...shown.map((v) => el('figure', {}, v.canvas, v.caption)))
  }
  const draw = (f: WarpFrame): void => {
    const y = run.data.y.data
    const grid = gridPoints()
    const inputXY = new Float64Array(grid.length + run.data.x.data.length)
    inputXY.set(grid)
    inputXY.set(run.data.x.data, grid.length)
    const e = warpSpec.extent
    const g = f.plane.grid
    drawSpace(shown[0]!.canvas, inputXY, y, [-e, e, -e, e], (px, py) => {
      const c = Math.min(g - 1, Math.max(0, Math.floor(((px + e) / (2 * e)) * g)))
      const r = Math.min(g - 1, Math.max(0, Math.floor(((e - py) / (2 * e)) * g)))
      const floor = 1 / run.data.classes
      return pale(f.plane.cls[r * g + c]!, (f.plane.prob[r * g + c]! - floor) / (1 - floor))
    })
    f.layers.forEach((l: LayerView, k) => {
      const last = k === f.layers.length - 1
      const readout = last ? f.readout : undefined
      // the output layer is linear: in a 2-unit last layer its classes are split by straight lines
      const fill = readout === undefined ? undefined : (a: number, b: number) => {
        const C = readout.b.length
        let best = 0
        let top = -Infinity
        for (let j = 0; j < C; j++) {
          const v = a * readout.W[j]! + b * readout.W[C + j]! + readout.b[j]!
          if (v > top) [best, top] = [j, v]
        }
        return pale(best, 0.5)
      }
      drawSpace(shown[k + 1]!.canvas, l.xy, y, l.projected ? boxOf(l.xy) : [-1.05, 1.05, -1.05, 1.05], fill)
    })
    lineChart(lossC, [{ name: 'loss', color: '#4e79a7', ys: f.losses }], { xLabel: 'step', yLabel: 'loss' })
    status.textContent = `step ${f.step}: loss ${f.losses.at(-1)?.toFixed(4) ?? '—'}, training accuracy ${Number.isFinite(f.trainAccuracy) ? (100 * f.trainAccuracy).toFixed(1) + '%' : '—'}`
    root.dataset['step'] = String(f.step)
    root.dataset['losses'] = JSON.stringify(f.losses)
    root.dataset['probe'] = JSON.stringify(f.layers.map((l) => l.probe))
    root.dataset['settings'] = JSON.stringify(settings())
  }
  const frame = (id: number): void => {
    if (!running || id !== loop) return
    draw(run.next(4))
    requestAnimationFrame(() => frame(id))
  }
  const restart = (): void => {
    running = false
    play.textContent = 'Train'
    run = startWarp(settings())
    layout()
    draw(run.next(0))
  }
  play.addEventListener('click', () => {
    running = !running
    play.textContent = running ? 'Pause' : 'Train'
    const id = ++loop
    if (running) requestAnimationFrame(() => frame(id))
  })
  step.addEventListener('click', () => {
    running = false
    play.textContent = 'Train'
    draw(run.next(10))
  })
  reset.addEventListener('click', restart)
  arch.addEventListener('change', restart)
  classes.addEventListener('change', restart)
  restart()
}
