/**
 * Mixed-radix complex FFT for the small, fixed sizes Whisper needs (n_fft 400 = 4·4·5·5).
 * Float64 throughout so the log-mel matches numpy/torch to well under 1e-4.
 */
export class FftPlan {
  readonly n: number;
  private readonly factors: number[];
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.factors = factorize(n);
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.cos[k] = Math.cos((-2 * Math.PI * k) / n);
      this.sin[k] = Math.sin((-2 * Math.PI * k) / n);
    }
    const maxP = Math.max(...this.factors, 1);
    this.scratchRe = new Float64Array(maxP);
    this.scratchIm = new Float64Array(maxP);
  }

  /** out = DFT(in); in is read with the given stride, out is contiguous. */
  transform(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.rec(inRe, inIm, 0, 1, this.n, outRe, outIm, 0, 0);
  }

  private rec(
    inRe: Float64Array,
    inIm: Float64Array,
    inOff: number,
    stride: number,
    n: number,
    outRe: Float64Array,
    outIm: Float64Array,
    outOff: number,
    level: number,
  ): void {
    if (n === 1) {
      outRe[outOff] = inRe[inOff]!;
      outIm[outOff] = inIm[inOff]!;
      return;
    }
    const p = this.factors[level]!;
    const m = n / p;
    for (let j = 0; j < p; j++) this.rec(inRe, inIm, inOff + j * stride, stride * p, m, outRe, outIm, outOff + j * m, level + 1);
    // Butterflies: X[k + q·m] = Σ_j W_n^{j(k + q·m)} · Y_j[k], twiddles from the size-N table.
    const step = this.n / n;
    const tr = this.scratchRe;
    const ti = this.scratchIm;
    for (let k = 0; k < m; k++) {
      for (let j = 0; j < p; j++) {
        tr[j] = outRe[outOff + j * m + k]!;
        ti[j] = outIm[outOff + j * m + k]!;
      }
      for (let q = 0; q < p; q++) {
        const idx = k + q * m;
        let sr = 0;
        let si = 0;
        for (let j = 0; j < p; j++) {
          const t = ((j * idx) % n) * step;
          const c = this.cos[t]!;
          const s = this.sin[t]!;
          sr += tr[j]! * c - ti[j]! * s;
          si += tr[j]! * s + ti[j]! * c;
        }
        outRe[outOff + idx] = sr;
        outIm[outOff + idx] = si;
      }
    }
  }
}

function factorize(n: number): number[] {
  const out: number[] = [];
  let r = n;
  for (const p of [4, 2, 3, 5]) {
    while (r % p === 0) {
      out.push(p);
      r /= p;
    }
  }
  for (let p = 7; r > 1; p += 2) {
    while (r % p === 0) {
      out.push(p);
      r /= p;
    }
  }
  return out;
}
