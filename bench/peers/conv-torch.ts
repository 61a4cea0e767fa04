/**
 * The PyTorch peer of bench:conv: bench/peers/conv_torch_step.py trains the same convnet from the
 * same initial weights on the same batches (SGD), timed in Python around zero_grad, forward,
 * backward and step; skipped with a note when no Python has torch (torch.ts).
 */
import { bytes32, f32, torchScript, type TorchResult } from './torch.js'
import type { Batch } from '../common.js'
import type { ConvParam } from '../convnet.js'

export function torchConv(init: Record<ConvParam, Float64Array>, lr: number, train: readonly Batch[], test: Batch, steps: number, warm: number, threads: number): TorchResult {
  const files: Record<string, Buffer> = {
    'x.bin': Buffer.concat(train.map((b) => bytes32(b.x32))),
    'y.bin': Buffer.concat(train.map((b) => f32(b.y))),
    'xt.bin': bytes32(test.x32),
    'yt.bin': f32(test.y),
  }
  for (const [k, v] of Object.entries(init)) files[`${k}.bin`] = f32(v)
  return torchScript('conv_torch_step.py', { batch: train[0]!.n, lr, steps, warm, epoch: train.length }, files, threads)
}
