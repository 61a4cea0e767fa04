import { describe, expect, it } from 'vitest'
import { run } from '../examples/06-extend.js'

describe('examples/06-extend: an op, a layer and an optimizer of the user, each one record', () => {
  it('checks their laws, trains the spiral through train, resumes bit for bit through the registries, prints the derivative', () => {
    const r = run()
    expect(r.derivative).toBe('σ(x)·(1 + x·(1 − σ(x)))')
    expect(r.trainAccuracy).toBeGreaterThanOrEqual(0.95)
    expect(r.steps).toBe(600)
    expect(r.resumedEqual).toBe(true)
    expect(r.graphRoundTrip).toBe(true)
    expect(r.summary).toMatch(/gswish0 +swish\(x\)·gate/)
    expect(r.lawsChecked).toEqual(['op swish', 'layer gatedSwish', 'optimizer lion'])
  }, 120_000)
})
