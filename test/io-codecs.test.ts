import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { parseJson } from '../src/io/json.js'
import { decodeWith, PositiveNumber, struct, oneOf, closest } from '../src/core/codecs.js'
import { TensorC, FiniteTensorC } from '../src/io/codecs.js'
import { decodeFloat64, encodeFloat64, encodeNumber, decodeNumber, fromBase64, toBase64 } from '../src/io/floats.js'
import * as T from '../src/core/Tensor.js'

const left = <A>(r: E.Either<{ message: string }, A>): string => {
  if (E.isRight(r)) throw new Error(`expected a Left, got ${JSON.stringify(r.right)}`)
  return r.left.message
}

describe('floats', () => {
  it('base64 matches the RFC 4648 test vectors', () => {
    const v: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']]
    for (const [plain, b64] of v) {
      const bytes = new TextEncoder().encode(plain)
      expect(toBase64(bytes)).toBe(b64)
      expect(fromBase64(b64)).toEqual(bytes)
    }
  })

  it('base64 refuses bad lengths and characters', () => {
    expect(fromBase64('Zm9')).toBe('base64 length must be a multiple of 4, got 3')
    expect(fromBase64('Zm9*')).toBe('invalid base64 character "*" at position 3')
    expect(fromBase64('Z=9v')).toBe('invalid base64 character "=" at position 1')
  })

  it('every double survives the tensor encoding bit for bit (NaN, ±0, ±Inf, subnormals)', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 40 }), (xs) => {
        const back = decodeFloat64(encodeFloat64(Float64Array.from(xs)))
        expect(typeof back).not.toBe('string')
        const a = new Uint8Array(Float64Array.from(xs).buffer)
        const b = new Uint8Array((back as Float64Array).buffer)
        expect(b).toEqual(a)
      }),
      { numRuns: 300 },
    )
  })

  it('single numbers survive JSON text exactly, including -0, NaN and the infinities', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const back = decodeNumber(JSON.parse(JSON.stringify(encodeNumber(x))))
        expect(Object.is(back, x)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('known little-endian layout: 1.0 is 00 00 00 00 00 00 F0 3F', () => {
    expect(encodeFloat64(Float64Array.of(1))).toBe(toBase64(Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf0, 0x3f)))
  })
})

describe('reporter', () => {
  const Opt = struct('an optimizer', { kind: oneOf(['sgd', 'adam']), lr: PositiveNumber }, { momentum: PositiveNumber })
  const Config = struct('a config', { optimizer: Opt, epochs: PositiveNumber })

  it('names the path and expected vs found value', () => {
    expect(left(decodeWith(Config, { optimizer: { kind: 'sgd', lr: -0.1 }, epochs: 1 }, 'config'))).toBe('config.optimizer.lr: expected a positive number, got -0.1')
  })
  it('missing fields', () => {
    expect(left(decodeWith(Config, { optimizer: { kind: 'sgd', lr: 0.1 } }, 'config'))).toBe('config.epochs: missing, expected a positive number')
  })
  it('unknown fields are refused with the nearest known name', () => {
    expect(left(decodeWith(Config, { optimzer: { kind: 'sgd', lr: 0.1 }, optimizer: { kind: 'sgd', lr: 0.1 }, epochs: 1 }, 'config'))).toBe('unknown field config.optimzer (did you mean optimizer?)')
    expect(left(decodeWith(Config, { zzzzzzzzzz: 1, optimizer: { kind: 'sgd', lr: 0.1 }, epochs: 1 }, 'config'))).toBe('unknown field config.zzzzzzzzzz (known fields: optimizer, epochs)')
  })
  it('literal choices suggest the nearest', () => {
    expect(left(decodeWith(Config, { optimizer: { kind: 'adma', lr: 0.1 }, epochs: 1 }, 'config'))).toBe(`config.optimizer.kind: expected one of 'sgd' | 'adam', got "adma" (did you mean 'adam'?)`)
  })
  it('wrong types', () => {
    expect(left(decodeWith(Config, { optimizer: [1, 2], epochs: '3' }, 'config'))).toBe('config.optimizer: expected an optimizer, got an array of 2 (and 1 more error)')
    expect(left(decodeWith(Config, 'hello', 'config'))).toBe('config: expected a config, got "hello"')
  })
  it('malformed JSON names line and column', () => {
    expect(left(parseJson('{\n  "a": 1,\n  "b": }', 'config.json'))).toBe(`config.json: malformed JSON at line 3, column 8: expected a value (object, array, string, number, true, false or null), got "}"`)
    expect(left(parseJson('{"a": 1', 'c.json'))).toBe(`c.json: malformed JSON at line 1, column 8: expected ',' or '}', got the end of the text`)
    expect(left(parseJson('{"a": tru}', 'c.json'))).toBe(`c.json: malformed JSON at line 1, column 10: expected 'true', got "}"`)
    expect(left(parseJson('', 'c.json'))).toBe(`c.json: malformed JSON at line 1, column 1: expected a value (object, array, string, number, true, false or null), got the end of the text`)
    expect(left(parseJson('[1, 2] x', 'c.json'))).toBe(`c.json: malformed JSON at line 1, column 8: expected the end of the text, got "x"`)
  })
  it('the scanner agrees with JSON.parse on what is valid', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.json().map((s) => s.slice(0, -1))), (text) => {
        let ok = true
        try {
          JSON.parse(text)
        } catch {
          ok = false
        }
        expect(E.isRight(parseJson(text, 'x'))).toBe(ok)
        if (!ok) expect(left(parseJson(text, 'x'))).not.toContain('\n')
      }),
      { numRuns: 2000 },
    )
  })
  it('closest is case-insensitive and bounded', () => {
    expect(closest('LR', ['lr', 'epochs'])).toBe('lr')
    expect(closest('banana', ['lr', 'epochs'])).toBeUndefined()
  })
})

describe('tensor codec', () => {
  it('round-trips and checks the data length against the shape', () => {
    const x = T.make([2, 3], [1, -0, NaN, Infinity, -Infinity, 5e-324])
    const j = TensorC.encode(x)
    const back = decodeWith(TensorC, JSON.parse(JSON.stringify(j)), 't')
    expect(E.isRight(back) && T.equal(back.right, x)).toBe(true)
    expect(left(decodeWith(TensorC, { shape: [2, 2], f64le: j.f64le }, 'params.W'))).toBe('params.W.f64le: shape [2,2] needs 4 doubles, got 6')
    expect(left(decodeWith(TensorC, { shape: [2, -1], f64le: j.f64le }, 'params.W'))).toBe('params.W.shape[1]: expected a non-negative integer, got -1')
  })
  it('finite tensors refuse NaN and Inf with the index', () => {
    const x = T.make([2, 2], [1, 2, NaN, 4])
    expect(left(decodeWith(FiniteTensorC, TensorC.encode(x), 'params.W'))).toBe('params.W: expected finite values, got NaN at flat index 2 of shape [2,2]')
  })
})
