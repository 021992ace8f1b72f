/**
 * One self-attention cache tensor of the decoder (keys or values of one layer) for the rows
 * being decoded: [rows, heads, length, headDim], grown by one position a step from the
 * step's own rows, which a rewritten decoder returns (decoder-graph.ts, edit 2).
 *
 * Two buffers take turns: each step writes the longer cache into the buffer onnxruntime is
 * not reading, so once they are large enough nothing is allocated, nothing is left for V8
 * to collect, and onnxruntime reads a view. Without this, onnxruntime-node hands back the
 * whole grown cache in a fresh ArrayBuffer every step.
 */
import ort from 'onnxruntime-node';

type FloatData = Float32Array | Uint16Array;
type Dtype = 'float32' | 'float16';

export class SelfAttentionCache {
  private readonly buffers: [FloatData | null, FloatData | null] = [null, null];
  /** The cache as onnxruntime reads it: a prefix view of buffers[slot], or step 1's output (slot -1). */
  private data: FloatData = new Float32Array(0);
  private slot = -1;
  private dtype: Dtype = 'float32';
  private rows = 0;
  private length = 0;

  constructor(
    private readonly heads: number,
    private readonly headDim: number,
  ) {}

  /** Start from step 1's present tensor [rows, heads, prompt length, headDim] (held, not copied). */
  reset(t: ort.Tensor): void {
    const [rows, heads, length, headDim] = t.dims as number[];
    if (heads !== this.heads || headDim !== this.headDim || rows === undefined || length === undefined)
      throw new Error(`self-attention cache of shape [${t.dims.join(', ')}], expected [rows, ${this.heads}, length, ${this.headDim}]`);
    this.dtype = t.type === 'float16' ? 'float16' : 'float32';
    this.data = t.data as FloatData;
    this.slot = -1;
    this.rows = rows;
    this.length = length;
  }

  get dims(): [number, number, number, number] {
    return [this.rows, this.heads, this.length, this.headDim];
  }

  /** The cache to feed as past_key_values.N.decoder.X. */
  tensor(): ort.Tensor {
    return new ort.Tensor(this.dtype, this.data, this.dims);
  }

  /** Append the step's rows [rows, heads, 1, headDim] at the end of every (row, head). */
  append(step: ort.Tensor): void {
    const [rows, heads, one, headDim] = step.dims as number[];
    if (rows !== this.rows || heads !== this.heads || one !== 1 || headDim !== this.headDim)
      throw new Error(`step rows of shape [${step.dims.join(', ')}] for a cache of [${this.dims.join(', ')}]`);
    const src = this.data;
    const add = step.data as FloatData;
    const L = this.length;
    const hd = this.headDim;
    const out = this.target(this.rows * this.heads * (L + 1) * hd);
    for (let bh = 0, n = this.rows * this.heads; bh < n; bh++) {
      const at = bh * (L + 1) * hd;
      if (L > 0) out.set(src.subarray(bh * L * hd, (bh + 1) * L * hd), at);
      out.set(add.subarray(bh * hd, (bh + 1) * hd), at + L * hd);
    }
    this.data = out;
    this.length = L + 1;
  }

  /** Keep `rows` (indices into the current rows; repeats allowed, for beams). */
  reorder(rows: Int32Array): void {
    const rowSize = this.heads * this.length * this.headDim;
    const src = this.data;
    const out = this.target(rows.length * rowSize);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r < 0 || r >= this.rows) throw new Error(`row ${r} of ${this.rows}`);
      out.set(src.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
    }
    this.data = out;
    this.rows = rows.length;
  }

  /** Let go of the buffers. */
  clear(): void {
    this.buffers[0] = this.buffers[1] = null;
    this.data = new Float32Array(0);
    this.slot = -1;
    this.rows = this.length = 0;
  }

  /** A view of `need` elements in the buffer not being read, grown (with headroom) if short. */
  private target(need: number): FloatData {
    const slot = this.slot === 0 ? 1 : 0;
    let buf = this.buffers[slot];
    if (!buf || buf.length < need || buf.constructor !== (this.dtype === 'float16' ? Uint16Array : Float32Array)) {
      // Room for ~50 % more positions (at least 16), so a buffer is replaced a handful of
      // times per decoding pass rather than every step.
      const perPosition = Math.max(1, this.rows * this.heads * this.headDim);
      const capacity = need + perPosition * Math.max(16, Math.ceil(need / perPosition / 2));
      buf = this.dtype === 'float16' ? new Uint16Array(capacity) : new Float32Array(capacity);
      this.buffers[slot] = buf;
    }
    this.slot = slot;
    return buf.subarray(0, need);
  }
}
