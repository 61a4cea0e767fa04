/**
 * Where the job queue lives: a `redis://[user:password@]host[:port][/db]` URL, checked before any
 * work starts. `reach` connects once with a bounded timeout and no retry, so a wrong host or port
 * is one line, not an endless reconnect loop. Node only.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { Redis, type RedisOptions } from 'ioredis'
import { quote } from '../core/codecs.js'

/** A Redis server from a redis:// URL: host, port, database, credentials, and the URL without its password for messages. */
export interface RedisTarget {
  readonly host: string
  readonly port: number
  readonly db: number
  readonly username?: string
  readonly password?: string
  /** The URL without its password, for messages. */
  readonly shown: string
}

/** Parses a redis:// URL; Left is one line naming what is wrong. */
export function parseRedisUrl(s: string): Either<string, RedisTarget> {
  // the URL as given, its password masked and at most 60 characters (quote escapes the rest)
  const shown = quote(s.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@'), 60)
  const bad = (why: string) => E.left(`--queue: ${why}, got ${shown} (expected redis://host[:port][/db], e.g. redis://127.0.0.1:6379/0)`)
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return bad('not a URL')
  }
  if (u.protocol !== 'redis:') return bad(`the scheme must be redis:`)
  if (u.hostname === '') return bad('no host')
  const port = u.port === '' ? 6379 : Number(u.port)
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) return bad('the port must be 1..65535')
  const path = u.pathname.replace(/^\//, '')
  if (!/^\d{0,5}$/.test(path)) return bad('the path must be a database number')
  if (u.search !== '' || u.hash !== '') return bad('no query or fragment expected')
  const db = path === '' ? 0 : Number(path)
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
  return E.right({
    host, port, db,
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    shown: `redis://${u.username !== '' ? `${u.username}@` : ''}${u.host}/${db}`,
  })
}

/** ioredis options for BullMQ: commands wait while the connection is re-established, for a bounded time. */
export function connectionOptions(t: RedisTarget, o: { readonly connectTimeoutMs?: number } = {}): RedisOptions & { retryStrategy: (times: number) => number | null } {
  return {
    host: t.host, port: t.port, db: t.db,
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    connectTimeout: o.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: null,
    // reconnect for about a minute, then give up (the command using the connection fails)
    retryStrategy: (times: number) => (times > 30 ? null : Math.min(times * 200, 2000)),
  }
}

/**
 * Selects the target's database on a connection, or says in one line why it cannot be selected.
 * ioredis selects it on connecting but ignores a refusal (the connection stays on database 0), so
 * `redis://host/99999` would quietly use database 0: every connection symgrad uses is checked here.
 */
export async function selectDatabase(r: Redis, t: RedisTarget): Promise<string | undefined> {
  try {
    await r.select(t.db)
    return undefined
  } catch (e) {
    let has = ''
    try {
      const n = Number(((await r.config('GET', 'databases')) as string[])[1])
      if (Number.isSafeInteger(n) && n > 0) has = ` (this server has ${n}: 0..${n - 1})`
    } catch {
      /* CONFIG may be disabled: the message stands without the count */
    }
    return `database ${t.db} cannot be selected${has}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`
  }
}

/** Connects once (timeout `timeoutMs`, no retry), pings and selects the database; the reason as one line when Redis cannot be reached. */
export async function reach(t: RedisTarget, timeoutMs = 3000): Promise<string | undefined> {
  let last: string | undefined
  const r = new Redis({ ...connectionOptions(t, { connectTimeoutMs: timeoutMs }), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false })
  r.on('error', (e: Error) => (last = e.message))
  const timer = new Promise<string>((resolve) => setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs + 500).unref())
  try {
    const answer = await Promise.race([r.connect().then(() => r.ping()), timer])
    if (answer !== 'PONG') return answer
    return await Promise.race([selectDatabase(r, t), timer])
  } catch (e) {
    return last ?? (e instanceof Error ? e.message : String(e))
  } finally {
    r.disconnect()
  }
}

/** `reach` as the one line the CLI prints (undefined when Redis answers). */
export async function unreachable(t: RedisTarget, timeoutMs = 3000): Promise<string | undefined> {
  const why = await reach(t, timeoutMs)
  return why === undefined ? undefined : `cannot reach Redis at ${t.shown}: ${why}`
}
