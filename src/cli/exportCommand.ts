/**
 * `symgrad export --onnx model.onnx <checkpoint>`: the checkpoint's model in its inference form as
 * an ONNX file (src/onnx), written atomically.
 */
import * as E from 'fp-ts/lib/Either.js'
import { checkWritable, loadCheckpoint, writeFileAtomic } from '../io/atomic.js'
import { modelToOnnx } from '../onnx/model.js'
import { ONNX_OPSET } from '../onnx/export.js'
import { ArgError, type ParsedArgs } from './args.js'
import { orExit } from './commands.js'

/** `warn` receives the one-line notes (a checkpoint from before preprocessing was a layer). */
export function exportCommand(a: ParsedArgs, warn: (line: string) => void = (l) => console.error(l)): number {
  const out = a.flags['onnx']
  if (typeof out !== 'string') throw new ArgError('export: --onnx <file.onnx> is required, e.g. symgrad export --onnx model.onnx run.json')
  const path = a.positional[0]
  if (path === undefined) throw new ArgError('export: expected a checkpoint file (written by symgrad train --save), e.g. symgrad export --onnx model.onnx run.json')
  if (a.positional.length > 1) throw new ArgError(`export: expected one checkpoint file, got ${a.positional.length}`)
  const loaded = orExit(loadCheckpoint(path))
  if (loaded.note !== undefined) warn(`symgrad: note: ${path}: ${loaded.note}`)
  orExit(checkWritable(out))
  const r = modelToOnnx(loaded.model, loaded.state.params, loaded.state.modelState)
  if (E.isLeft(r)) return (console.error(`symgrad: ${path}: ${r.left.message}`), 1)
  orExit(writeFileAtomic(out, r.right.bytes))
  const m = loaded.model
  console.log(`${out}: ONNX (opset ${ONNX_OPSET}), ${(r.right.bytes.length / 1024).toFixed(1)} kB; input x [N, ${m.in}] float32; outputs scores [N, ${m.out}] and probabilities [N, ${m.out}]`)
  console.log(`operators: ${r.right.opTypes.join(', ')}`)
  return 0
}
