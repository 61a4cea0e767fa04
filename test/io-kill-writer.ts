/**
 * Child process for test/io-atomic.test.ts: saves a large checkpoint (600k doubles, ~6.4 MB of
 * JSON) to argv[2] once with `saveCheckpoint`, then writes checkpoints of steps 1, 2, 3, … with
 * `writeFileAtomic` (the texts are made up front, so nearly all the time is spent writing),
 * printing `saved <step>` after each rename, until it is killed.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as R from '../src/core/Random.js'
import { writeFileAtomic } from '../src/io/atomic.js'
import { saveCheckpoint } from '../src/records/files.js'
import { checkpointToText } from '../src/records/checkpoint.js'
import { dense } from '../src/nn/layers.js'
import { sequential } from '../src/nn/model.js'
import { sgd } from '../src/optim/aliases.js'
import { emptyHistory } from '../src/train/TrainState.js'

const path = process.argv[2]!
const model = sequential(dense(1000, 600))
const { params, state } = model.init(R.key(1))
const optState = sgd(0.1).init(params)
const at = (step: number) => ({
  spec: model.spec,
  state: { params, modelState: state, optState, key: R.key(1), step, epoch: 0, batch: 0, history: emptyHistory, status: 'running' as const },
})
const check = (r: E.Either<{ message: string }, unknown>) => {
  if (E.isLeft(r)) {
    process.stderr.write(r.left.message + '\n')
    process.exit(1)
  }
}
check(saveCheckpoint(path, at(0)))
process.stdout.write('saved 0\n')
// the texts differ only in the step, a few bytes; build them by replacing the step field
const text = checkpointToText(at(0))
check(text)
const base = (text as E.Right<string>).right
for (let step = 1; ; step++) {
  check(writeFileAtomic(path, base.replace('"step":0,', `"step":${step},`)))
  process.stdout.write(`saved ${step}\n`)
}
