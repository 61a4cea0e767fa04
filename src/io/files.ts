/**
 * Node file helpers for the data loaders: read and write bytes (gzip-aware), and load the IDX and
 * CIFAR-10 files from disk. The parsers themselves are pure and live in `src/data`; this module
 * only turns paths into bytes and file-system failures into `Left` values.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { gunzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import type { Either } from 'fp-ts/lib/Either.js'
import { SymgradError, errorMessage } from '../core/errors.js'
import type { Dataset } from '../data/Dataset.js'
import { fromIdx } from '../data/idx.js'
import type { IdxOptions } from '../data/idx.js'
import { fromCifar } from '../data/cifar.js'
import { reason } from './atomic.js'
import { fromCsv } from './csv.js'

/** The bytes of a file; gzip files (magic 1f 8b, e.g. `train-images-idx3-ubyte.gz`) are inflated. */
export function readBytes(path: string): Either<SymgradError, Uint8Array> {
  let raw: Uint8Array
  try {
    raw = new Uint8Array(readFileSync(path))
  } catch (e) {
    return E.left(new SymgradError('io', `cannot read ${path}: ${reason(e)}`))
  }
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return E.right(raw)
  try {
    return E.right(new Uint8Array(gunzipSync(raw)))
  } catch (e) {
    return E.left(new SymgradError('io', `${path}: looks gzip-compressed but does not inflate: ${errorMessage(e)}`))
  }
}

/** Writes bytes, creating the parent folder. */
export function writeBytes(path: string, bytes: Uint8Array): Either<SymgradError, void> {
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, bytes)
    return E.right(undefined)
  } catch (e) {
    return E.left(new SymgradError('io', `cannot write ${path}: ${reason(e)}`))
  }
}

/** MNIST from a pair of IDX files (plain or .gz). */
export function loadIdx(imagesPath: string, labelsPath: string, options: Omit<IdxOptions, 'imagesFile' | 'labelsFile'> = {}): Either<SymgradError, Dataset> {
  const images = readBytes(imagesPath)
  if (E.isLeft(images)) return images
  const labels = readBytes(labelsPath)
  if (E.isLeft(labels)) return labels
  return fromIdx(images.right, labels.right, { ...options, imagesFile: imagesPath, labelsFile: labelsPath })
}

/** CIFAR-10 from one or more binary batch files, concatenated in order. */
export function loadCifar(paths: readonly string[], name = 'cifar10'): Either<SymgradError, Dataset> {
  const files: { bytes: Uint8Array; file: string }[] = []
  for (const file of paths) {
    const bytes = readBytes(file)
    if (E.isLeft(bytes)) return bytes
    files.push({ bytes: bytes.right, file })
  }
  return fromCifar(files, name)
}

/** A dataset from a CSV file of `label,x1,…,xD` lines (see csv.ts). */
export function loadCsv(path: string): Either<SymgradError, Dataset> {
  const bytes = readBytes(path)
  return E.isLeft(bytes) ? bytes : fromCsv(new TextDecoder().decode(bytes.right), path)
}
