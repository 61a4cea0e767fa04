/**
 * Jobs whose stored BullMQ options are not JSON. BullMQ parses them while moving a job to active,
 * throws, and never processes the job; its stalled-job check cannot fail it either, so the job
 * would stay active for ever with a rising stall count and its coordinator would wait for ever.
 * After such an error the worker fails every active job whose options do not parse, by hand, with
 * one line, so it is never retried. Node only.
 */
import type { Redis } from 'ioredis'

/** The BullMQ keys of one queue (a Worker's `keys` and `toKey`). */
export interface QueueKeys {
  readonly keys: { readonly active: string; readonly failed: string }
  readonly toKey: (type: string) => string
}

export const UNREADABLE_OPTIONS = `the job's options in Redis are not JSON`

/** Fails the active jobs whose options are not JSON; their ids. */
export async function failUnreadableOptions(client: Redis, q: QueueKeys): Promise<string[]> {
  const failed: string[] = []
  for (const id of await client.lrange(q.keys.active, 0, -1)) {
    const opts = await client.hget(q.toKey(id), 'opts')
    try {
      JSON.parse(opts ?? '{}')
      continue
    } catch {
      /* failed below */
    }
    const now = Date.now()
    await client.multi()
      .lrem(q.keys.active, 0, id)
      .del(`${q.toKey(id)}:lock`)
      .hset(q.toKey(id), { opts: '{}', failedReason: UNREADABLE_OPTIONS, finishedOn: String(now) })
      .zadd(q.keys.failed, now, id)
      .exec()
    failed.push(id)
  }
  return failed
}
