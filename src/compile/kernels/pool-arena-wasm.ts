/**
 * Max pooling in WebAssembly (float32 or float64), for the WebAssembly backend's memory: one
 * function serves the op and both its derivatives, as kernels/pool.ts does in JavaScript. Each
 * window's first largest input is found in registers (nothing stored between calls); then by mode
 *   0: y[o] = x[best]     1: dx[best] += g[o] (dx zeroed first)     2: y[o] = c[best]
 * over the planes nc0..nc1 (threads take disjoint planes, so the bits do not depend on them).
 */
import { countDown, forRange, get, i32, ifThen, load, memFill, op, set, store, tee, I32, type Code, type Func, type Lanes } from './wasm-asm.js'

/** maxPool(x, h, w, kh, kw, sh, sw, oh, ow, nc0, nc1, mode, src, dst): addresses in bytes, planes nc0..nc1. */
export function maxPoolFunc(L: Lanes): Func {
  const E = L.bytes
  const gt = L.elem === 0x7d ? 0x5e : 0x64
  const [X, H, W, KH, KW, SH, SW, OH, OW, NC0, NC1, MODE, SRC, DST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
  const [NC, I, J, TOP, BEST, ROW, P, Q, A, O] = [14, 15, 16, 17, 18, 19, 20, 21, 22, 23]
  const M = 24, V = 25
  const plane: Code = [get(H), get(W), op.mul, i32(E), op.mul]
  const window: Code = [
    get(X), get(NC), plane, op.mul, op.add,
    get(I), get(SH), op.mul, get(W), op.mul, get(J), get(SW), op.mul, op.add, i32(E), op.mul, op.add, tee(TOP), set(BEST),
    get(TOP), load(L.elem), set(M),
    get(TOP), set(ROW),
    get(KH), set(P),
    countDown(P, [
      get(ROW), set(A), get(KW), set(Q),
      countDown(Q, [
        get(A), load(L.elem), tee(V), get(M), gt,
        ifThen([], [get(V), set(M), get(A), set(BEST)]),
        get(A), i32(E), op.add, set(A),
      ]),
      get(ROW), get(W), i32(E), op.mul, op.add, set(ROW),
    ]),
    // O: byte offset of output element (nc, i, j); best − x: byte offset of the chosen input
    ifThen([get(MODE), op.eqz], [get(DST), get(O), op.add, get(M), store(L.elem)],
      ifThen([get(MODE), i32(1), op.eq],
        [get(DST), get(BEST), get(X), op.sub, op.add, tee(A), get(A), load(L.elem), get(SRC), get(O), op.add, load(L.elem), L.sadd, store(L.elem)],
        [get(DST), get(O), op.add, get(SRC), get(BEST), get(X), op.sub, op.add, load(L.elem), store(L.elem)])),
    get(O), i32(E), op.add, set(O),
  ]
  const body: Code = [
    ifThen([get(MODE), i32(1), op.eq],
      [get(DST), get(NC0), plane, op.mul, op.add, i32(0), get(NC1), get(NC0), op.sub, plane, op.mul, memFill]),
    get(NC0), get(OH), op.mul, get(OW), op.mul, i32(E), op.mul, set(O),
    forRange(NC, get(NC0), get(NC1), i32(1),
      forRange(I, i32(0), get(OH), i32(1),
        forRange(J, i32(0), get(OW), i32(1), window))),
  ]
  return { name: 'maxPool', params: new Array(14).fill(I32), locals: [...new Array(10).fill(I32), L.elem, L.elem], body }
}
