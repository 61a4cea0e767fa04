/**
 * `symgrad export --onnx model.onnx <checkpoint>`: the checkpoint's model in its inference form as
 * an ONNX file (src/onnx), written atomically.
 */
import { checkWritable, writeFileAtomic } from '../io/atomic.js'
import { decodeCheckpoint } from '../records/checkpoint.js'
import { checkpointJson } from './withFlag.js'
import { modelToOnnx } from '../onnx/model.js'
import { ONNX_OPSET } from '../onnx/export.js'
import { ArgError, type ParsedArgs } from './args.js'
import { inFile, orExit } from './commands.js'
import type { CommandOptions } from './context.js'

/** `o.err` receives the one-line notes (a checkpoint from before preprocessing was a layer); layer kinds, inits and ONNX mappings come from `o.registries`. */
export function exportCommand(a: ParsedArgs, o: CommandOptions): number {
  const { registries } = o
  const out = a.flags['onnx']
  if (typeof out !== 'string') throw new ArgError('export: --onnx <file.onnx> is required, e.g. symgrad export --onnx model.onnx run.json')
  const path = a.positional[0]
  if (path === undefined) throw new ArgError('export: expected a checkpoint file (written by symgrad train --save), e.g. symgrad export --onnx model.onnx run.json')
  if (a.positional.length > 1) throw new ArgError(`export: expected one checkpoint file, got ${a.positional.length}`)
  const loaded = orExit(inFile(path, decodeCheckpoint(checkpointJson(path, o, 'export'), { registries })))
  if (loaded.note !== undefined) o.err(`symgrad: note: ${path}: ${loaded.note}`)
  orExit(checkWritable(out))
  // a model the checkpoint holds but ONNX cannot (weights beyond float32) is bad input: exit 2, nothing written
  const onnx = orExit(inFile(path, modelToOnnx(loaded.model, loaded.state.params, loaded.state.modelState, { registries })))
  orExit(writeFileAtomic(out, onnx.bytes))
  const m = loaded.model
  const first = m.layers[0]
  const raw = first !== undefined && first.def.fit !== undefined ? `, raw (its ${first.spec.kind} layer '${first.spec.name}' is inside)` : ''
  const pixels = loaded.input !== undefined ? `, ${loaded.input.image.join('×')} images with x = byte/${loaded.input.scale}` : ''
  console.log(`${out}: ONNX (opset ${ONNX_OPSET}), ${(onnx.bytes.length / 1024).toFixed(1)} kB; input x [N, ${m.in}] float32${pixels}${raw}; outputs scores [N, ${m.out}] and probabilities [N, ${m.out}]`)
  console.log(`operators: ${onnx.opTypes.join(', ')}`)
  return 0
}
