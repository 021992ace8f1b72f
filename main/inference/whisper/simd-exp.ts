/**
 * Σ exp(row[i] − max) four lanes at a time: a 200-byte WebAssembly SIMD module, assembled
 * here from named opcodes (no toolchain, nothing generated on disk).
 *
 * Why: the log-softmax denominator is taken over the whole vocabulary (51 864 entries) for
 * every row of every decoding step, and even with a table-driven exp the scalar JS loop was
 * half of the decoder's time outside onnxruntime (docs/performance.md). V8 does not vectorise
 * JS; WebAssembly's 128-bit SIMD does four float32 exps per instruction sequence.
 *
 * Each lane: x = (v − max)·log2 e in float32, clamped at −126 (masked −∞ entries become
 * 2^−126 ≈ 1e−38, nothing next to the maximum's own term 1); x = k + f with k = nearest(x);
 * 2^k from the exponent bits; e^(f·ln 2) by a degree-7 Taylor polynomial (error < 3e−9 on
 * |f·ln 2| ≤ ln2/2). Terms are float32 (relative error ~1e−7, the precision float32 logits
 * carry anyway: one ulp of a logit of 10 is ~1e−6 in its exp) and summed in float64.
 * The row is copied into the module's memory first (a 200 KB memcpy, ~5 % of the sum's time).
 */

/** LEB128 for unsigned (opcodes, indices, sizes). */
function u(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
function s(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const f32Bytes = (x: number) => [...new Uint8Array(Float32Array.of(x).buffer)];
const section = (id: number, body: number[]) => [id, ...u(body.length), ...body];
const vec = (items: number[][]) => [...u(items.length), ...items.flat()];

// Core opcodes.
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_LT_U = 0x49;
const BR_IF = 0x0d;
const BLOCK = 0x02;
const LOOP = 0x03;
const END = 0x0b;
const F64_ADD = 0xa0;
const VOID = 0x40;
const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

/** A SIMD instruction: 0xFD prefix, LEB128 sub-opcode. */
const simd = (op: number, ...imm: number[]) => [0xfd, ...u(op), ...imm];
const V128_LOAD = (offset: number) => simd(0x00, 4, ...u(offset)); // align 2^4
const V128_CONST_F32 = (x: number) => simd(0x0c, ...f32Bytes(x), ...f32Bytes(x), ...f32Bytes(x), ...f32Bytes(x));
const F32X4_SPLAT = simd(0x13);
const I8X16_SHUFFLE_HIGH_LOW = simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
const F64X2_EXTRACT_LANE = (lane: number) => simd(0x21, lane);
const F32X4_NEAREST = simd(0x6a);
const F32X4_ADD = simd(0xe4);
const F32X4_SUB = simd(0xe5);
const F32X4_MUL = simd(0xe6);
const F32X4_PMAX = simd(0xeb);
const I32X4_TRUNC_SAT_F32X4_S = simd(0xf8);
const I32X4_ADD = simd(0xae);
const I32X4_SHL = simd(0xab);
const I32X4_SPLAT = simd(0x11);
const F64X2_PROMOTE_LOW_F32X4 = simd(0x5f);
const F64X2_ADD = simd(0xf0);
const V128_CONST_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));

/**
 * (func (param $ptr i32) (param $end i32) (param $max f32) (result f64)): Σ over float32
 * [ptr, end) in groups of four (16-byte aligned, end − ptr a multiple of 16).
 * Locals: 3 $m (v128, splat max), 4 $x, 5 $k, 6 $y, 7 $p, 8 $lo (f64x2 acc), 9 $hi.
 */
function sumExpBody(): number[] {
  const [ptr, end, max, m, x, k, y, p, lo, hi] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const poly = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040].reverse();
  const code: number[] = [
    LOCAL_GET, max, ...F32X4_SPLAT, LOCAL_SET, m,
    ...V128_CONST_ZERO, LOCAL_SET, lo,
    ...V128_CONST_ZERO, LOCAL_SET, hi,
    BLOCK, VOID,
    LOCAL_GET, ptr, LOCAL_GET, end, I32_LT_U, 0x45 /* i32.eqz */, BR_IF, 0,
    LOOP, VOID,
    // x = max((v − m)·log2e, −126)
    ...V128_CONST_F32(-126),
    LOCAL_GET, ptr, ...V128_LOAD(0), LOCAL_GET, m, ...F32X4_SUB, ...V128_CONST_F32(Math.LOG2E), ...F32X4_MUL,
    ...F32X4_PMAX, LOCAL_TEE, x,
    // k = nearest(x); y = (x − k)·ln2
    ...F32X4_NEAREST, LOCAL_SET, k,
    LOCAL_GET, x, LOCAL_GET, k, ...F32X4_SUB, ...V128_CONST_F32(Math.LN2), ...F32X4_MUL, LOCAL_SET, y,
    // p = Horner(y)
    ...V128_CONST_F32(poly[0]!),
  ];
  for (const c of poly.slice(1)) code.push(LOCAL_GET, y, ...F32X4_MUL, ...V128_CONST_F32(c), ...F32X4_ADD);
  code.push(
    LOCAL_SET, p,
    // term = p · 2^k, 2^k = bits((k + 127) << 23)
    LOCAL_GET, p,
    LOCAL_GET, k, ...I32X4_TRUNC_SAT_F32X4_S, I32_CONST, ...s(127), ...I32X4_SPLAT, ...I32X4_ADD, I32_CONST, 23, ...I32X4_SHL,
    ...F32X4_MUL, LOCAL_TEE, p,
    // lo += promote(p[0..1]); hi += promote(p[2..3])
    ...F64X2_PROMOTE_LOW_F32X4, LOCAL_GET, lo, ...F64X2_ADD, LOCAL_SET, lo,
    LOCAL_GET, p, LOCAL_GET, p, ...I8X16_SHUFFLE_HIGH_LOW, ...F64X2_PROMOTE_LOW_F32X4, LOCAL_GET, hi, ...F64X2_ADD, LOCAL_SET, hi,
    // ptr += 16; loop while ptr < end
    LOCAL_GET, ptr, I32_CONST, 16, I32_ADD, LOCAL_TEE, ptr, LOCAL_GET, end, I32_LT_U, BR_IF, 0,
    END,
    END,
    LOCAL_GET, lo, ...F64X2_EXTRACT_LANE(0), LOCAL_GET, lo, ...F64X2_EXTRACT_LANE(1), F64_ADD,
    LOCAL_GET, hi, ...F64X2_EXTRACT_LANE(0), LOCAL_GET, hi, ...F64X2_EXTRACT_LANE(1), F64_ADD, F64_ADD,
    END,
  );
  const locals = vec([[7, V128]]); // seven v128 locals after the three params
  const body = [...locals, ...code];
  return [...u(body.length), ...body];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const type = section(1, vec([[0x60, ...vec([[I32], [I32], [F32]]), ...vec([[F64]])]]));
  const func = section(3, vec([[0]]));
  const memory = section(5, vec([[0x00, ...u(1)]])); // min 1 page, grown on demand
  const name = (t: string) => [...u(t.length), ...new TextEncoder().encode(t)];
  const exports = section(7, vec([[...name('sumexp'), 0x00, 0], [...name('memory'), 0x02, 0]]));
  const code = section(10, vec([sumExpBody()]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...func, ...memory, ...exports, ...code]);
}

export interface SimdSumExp {
  /** Σ exp(row[i] − max) over [from, to) (see the module comment for its precision). */
  (row: Float32Array, max: number, from: number, to: number): number;
}

/** The SIMD sum, or null where WebAssembly SIMD is not available (the caller keeps its scalar loop). */
export function createSimdSumExp(): SimdSumExp | null {
  const bytes = moduleBytes();
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const sumexp = instance.exports.sumexp as (ptr: number, end: number, max: number) => number;
  const memory = instance.exports.memory as WebAssembly.Memory;
  let view = new Float32Array(memory.buffer);
  return (row, max, from, to) => {
    const n = to - from;
    const padded = (n + 3) & ~3;
    if (padded > view.length) {
      memory.grow(Math.ceil((padded * 4 - memory.buffer.byteLength) / 65536));
      view = new Float32Array(memory.buffer);
    }
    view.set(row.subarray(from, to));
    view.fill(-Infinity, n, padded);
    // Padding lanes add 2^−126 each (≤ 3 of them): below float64's resolution next to 1.
    return sumexp(0, padded * 4, max);
  };
}
