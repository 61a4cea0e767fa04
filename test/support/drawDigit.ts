/**
 * Digits drawn as a pen would: thick anti-aliased strokes along polylines on a 28×28 canvas, light
 * ink on black (as MNIST), written as an 8-bit RGB PNG. `npx tsx test/support/drawDigit.ts` rewrites
 * test/support/digit-7.png; the tests check the committed file is what this draws.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'

export type Stroke = readonly (readonly [number, number])[]

/** A seven: the top bar, slightly rising, then a long stroke down and to the left with a bend. */
export const seven: readonly Stroke[] = [[[7.5, 8], [14, 7.2], [20.5, 6.8], [18.6, 11.5], [16.2, 16.5], [14.3, 21.5]]]

function distanceToSegment(px: number, py: number, [ax, ay]: readonly [number, number], [bx, by]: readonly [number, number]): number {
  const dx = bx - ax
  const dy = by - ay
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(px - ax - t * dx, py - ay - t * dy)
}

/** Grey ink coverage 0..255 of each pixel: a pen of radius `radius` px with a one-pixel soft edge. */
export function drawStrokes(strokes: readonly Stroke[], size = 28, radius = 1.3): Uint8Array {
  const out = new Uint8Array(size * size)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let d = Infinity
      for (const s of strokes) for (let i = 0; i + 1 < s.length; i++) d = Math.min(d, distanceToSegment(x + 0.5, y + 0.5, s[i]!, s[i + 1]!))
      out[y * size + x] = Math.round(255 * Math.max(0, Math.min(1, radius + 0.5 - d)))
    }
  return out
}

/** An 8-bit RGB PNG of grey values (each repeated in R, G and B). */
export function greyToPng(grey: Uint8Array, size = 28): Uint8Array {
  const png = new PNG({ width: size, height: size, colorType: 2, inputColorType: 6 })
  for (let i = 0; i < size * size; i++) png.data.set([grey[i]!, grey[i]!, grey[i]!, 255], i * 4)
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 6 }))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(new URL('./digit-7.png', import.meta.url), greyToPng(drawStrokes(seven)))
