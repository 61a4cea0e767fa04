import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { parseRedisUrl } from '../src/queue/redis.js'
import { parseRedisUrlOrThrow } from '../src/queue/index.js'

const left = (s: string): string => {
  const r = parseRedisUrl(s)
  if (E.isRight(r)) throw new Error(`expected a Left for ${s}`)
  return r.left
}

describe('parseRedisUrl', () => {
  it('reads host, port, db and credentials, and shows the URL without its password', () => {
    expect(parseRedisUrlOrThrow('redis://me:s3cret@10.0.0.5:7000/3')).toEqual({ host: '10.0.0.5', port: 7000, db: 3, username: 'me', password: 's3cret', shown: 'redis://me@10.0.0.5:7000/3' })
    expect(parseRedisUrlOrThrow('redis://[::1]')).toMatchObject({ host: '::1', port: 6379, db: 0 })
  })
  it('refuses hostile input in one short line that never echoes a password', () => {
    expect(left('http://127.0.0.1:6379')).toBe('--queue: the scheme must be redis:, got "http://127.0.0.1:6379" (expected redis://host[:port][/db], e.g. redis://127.0.0.1:6379/0)')
    const pw = left('redis://user:hunter2@host:99999/0')
    expect(pw).toContain('not a URL')
    expect(pw).not.toContain('hunter2')
    expect(pw).toContain('redis://user:***@host:99999/0')
    const huge = left('redis://h/' + 'x'.repeat(100_000))
    expect(huge.length).toBeLessThan(220)
    expect(huge).toContain('(100010 characters)')
    expect(left('redis://h/\u0000\u202e')).toContain('\\u0000')
    expect(left('__proto__')).toMatch(/^--queue: not a URL, got "__proto__"/)
    expect(() => parseRedisUrlOrThrow('nope')).toThrow('--queue: not a URL')
  })
})
