/**
 * Mixed-radix complex FFT for the small, fixed sizes Whisper needs (n_fft 400 = 4·4·5·5).
 * Float64 throughout so the log-mel matches numpy/torch to well under 1e-4.
 *
 * Stockham autosort, decimation in frequency: one pass per radix between two work buffers,
 * results in natural order, twiddles precomputed per pass (no index arithmetic modulo n in
 * the inner loops), radices 2, 4 and 5 with their own butterflies and others through a
 * small DFT table. An earlier recursive version took ~6× longer for n = 400 (docs/performance.md).
 */
interface Pass {
  /** Radix of this pass. */
  p: number;
  /** Length of the sub-transforms after this pass (n_cur / p). */
  m: number;
  /** Stride: product of the radices before this pass. */
  s: number;
  /** Twiddles W_{n_cur}^{k·r} for k < m, 1 ≤ r < p, at [k·(p−1) + r−1]. */
  twRe: Float64Array;
  twIm: Float64Array;
}

export class FftPlan {
  readonly n: number;
  private readonly passes: Pass[];
  /** W_p^{j·r} for the generic butterfly, per radix: [j·p + r]. */
  private readonly dft = new Map<number, { re: Float64Array; im: Float64Array }>();
  private readonly aRe: Float64Array;
  private readonly aIm: Float64Array;
  private readonly bRe: Float64Array;
  private readonly bIm: Float64Array;
  private readonly tRe: Float64Array;
  private readonly tIm: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT size must be a positive integer, got ${n}`);
    this.n = n;
    this.passes = [];
    let cur = n;
    let s = 1;
    for (const p of factorize(n)) {
      const m = cur / p;
      const twRe = new Float64Array(m * (p - 1));
      const twIm = new Float64Array(m * (p - 1));
      for (let k = 0; k < m; k++)
        for (let r = 1; r < p; r++) {
          const a = (-2 * Math.PI * k * r) / cur;
          twRe[k * (p - 1) + r - 1] = Math.cos(a);
          twIm[k * (p - 1) + r - 1] = Math.sin(a);
        }
      this.passes.push({ p, m, s, twRe, twIm });
      if (p !== 4 && p !== 2 && p !== 5 && !this.dft.has(p)) {
        const re = new Float64Array(p * p);
        const im = new Float64Array(p * p);
        for (let j = 0; j < p; j++)
          for (let r = 0; r < p; r++) {
            const a = (-2 * Math.PI * ((j * r) % p)) / p;
            re[j * p + r] = Math.cos(a);
            im[j * p + r] = Math.sin(a);
          }
        this.dft.set(p, { re, im });
      }
      cur = m;
      s *= p;
    }
    this.aRe = new Float64Array(n);
    this.aIm = new Float64Array(n);
    this.bRe = new Float64Array(n);
    this.bIm = new Float64Array(n);
    const maxP = Math.max(1, ...this.passes.map((x) => x.p));
    this.tRe = new Float64Array(maxP);
    this.tIm = new Float64Array(maxP);
  }

  /** out = DFT(in), all of length n (the inputs are not modified). */
  transform(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    let xr = this.aRe;
    let xi = this.aIm;
    let yr = this.bRe;
    let yi = this.bIm;
    xr.set(inRe.subarray(0, this.n));
    xi.set(inIm.subarray(0, this.n));
    for (const pass of this.passes) {
      if (pass.p === 4) this.radix4(pass, xr, xi, yr, yi);
      else if (pass.p === 5) this.radix5(pass, xr, xi, yr, yi);
      else if (pass.p === 2) this.radix2(pass, xr, xi, yr, yi);
      else this.radixP(pass, xr, xi, yr, yi);
      const sr = xr;
      const si = xi;
      xr = yr;
      xi = yi;
      yr = sr;
      yi = si;
    }
    outRe.set(xr);
    outIm.set(xi);
  }

  // One pass: for each k < m and q < s, inputs x[q + s(k + j·m)] (j < p) go through a
  // p-point DFT, output r is multiplied by W^{k·r} and lands at y[q + s(p·k + r)].

  private radix2({ m, s, twRe, twIm }: Pass, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    for (let k = 0; k < m; k++) {
      const wr = twRe[k]!;
      const wi = twIm[k]!;
      for (let q = 0; q < s; q++) {
        const i0 = q + s * k;
        const i1 = i0 + s * m;
        const ar = xr[i0]!;
        const ai = xi[i0]!;
        const br = xr[i1]!;
        const bi = xi[i1]!;
        const o = q + s * 2 * k;
        yr[o] = ar + br;
        yi[o] = ai + bi;
        const dr = ar - br;
        const di = ai - bi;
        yr[o + s] = dr * wr - di * wi;
        yi[o + s] = dr * wi + di * wr;
      }
    }
  }

  private radix4({ m, s, twRe, twIm }: Pass, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const sm = s * m;
    for (let k = 0; k < m; k++) {
      const w1r = twRe[3 * k]!;
      const w1i = twIm[3 * k]!;
      const w2r = twRe[3 * k + 1]!;
      const w2i = twIm[3 * k + 1]!;
      const w3r = twRe[3 * k + 2]!;
      const w3i = twIm[3 * k + 2]!;
      for (let q = 0; q < s; q++) {
        const i0 = q + s * k;
        const a0r = xr[i0]!;
        const a0i = xi[i0]!;
        const a1r = xr[i0 + sm]!;
        const a1i = xi[i0 + sm]!;
        const a2r = xr[i0 + 2 * sm]!;
        const a2i = xi[i0 + 2 * sm]!;
        const a3r = xr[i0 + 3 * sm]!;
        const a3i = xi[i0 + 3 * sm]!;
        const t0r = a0r + a2r;
        const t0i = a0i + a2i;
        const t1r = a0r - a2r;
        const t1i = a0i - a2i;
        const t2r = a1r + a3r;
        const t2i = a1i + a3i;
        // (a1 − a3)·(−i)
        const t3r = a1i - a3i;
        const t3i = a3r - a1r;
        const o = q + s * 4 * k;
        yr[o] = t0r + t2r;
        yi[o] = t0i + t2i;
        this.put(yr, yi, o + s, t1r + t3r, t1i + t3i, w1r, w1i);
        this.put(yr, yi, o + 2 * s, t0r - t2r, t0i - t2i, w2r, w2i);
        this.put(yr, yi, o + 3 * s, t1r - t3r, t1i - t3i, w3r, w3i);
      }
    }
  }

  private radix5({ m, s, twRe, twIm }: Pass, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const sm = s * m;
    for (let k = 0; k < m; k++) {
      const t = 4 * k;
      for (let q = 0; q < s; q++) {
        const i0 = q + s * k;
        const a0r = xr[i0]!;
        const a0i = xi[i0]!;
        const a1r = xr[i0 + sm]!;
        const a1i = xi[i0 + sm]!;
        const a2r = xr[i0 + 2 * sm]!;
        const a2i = xi[i0 + 2 * sm]!;
        const a3r = xr[i0 + 3 * sm]!;
        const a3i = xi[i0 + 3 * sm]!;
        const a4r = xr[i0 + 4 * sm]!;
        const a4i = xi[i0 + 4 * sm]!;
        const b1r = a1r + a4r;
        const b1i = a1i + a4i;
        const b2r = a2r + a3r;
        const b2i = a2i + a3i;
        const d1r = a1r - a4r;
        const d1i = a1i - a4i;
        const d2r = a2r - a3r;
        const d2i = a2i - a3i;
        const t1r = a0r + C1 * b1r + C2 * b2r;
        const t1i = a0i + C1 * b1i + C2 * b2i;
        const t2r = a0r + C2 * b1r + C1 * b2r;
        const t2i = a0i + C2 * b1i + C1 * b2i;
        const u1r = S1 * d1r + S2 * d2r;
        const u1i = S1 * d1i + S2 * d2i;
        const u2r = S2 * d1r - S1 * d2r;
        const u2i = S2 * d1i - S1 * d2i;
        const o = q + s * 5 * k;
        yr[o] = a0r + b1r + b2r;
        yi[o] = a0i + b1i + b2i;
        // y1 = t1 − i·u1, y4 = t1 + i·u1, y2 = t2 − i·u2, y3 = t2 + i·u2; each times W^{k·r}.
        this.put(yr, yi, o + s, t1r + u1i, t1i - u1r, twRe[t]!, twIm[t]!);
        this.put(yr, yi, o + 2 * s, t2r + u2i, t2i - u2r, twRe[t + 1]!, twIm[t + 1]!);
        this.put(yr, yi, o + 3 * s, t2r - u2i, t2i + u2r, twRe[t + 2]!, twIm[t + 2]!);
        this.put(yr, yi, o + 4 * s, t1r - u1i, t1i + u1r, twRe[t + 3]!, twIm[t + 3]!);
      }
    }
  }

  /** y[at] = v · w (complex). */
  private put(yr: Float64Array, yi: Float64Array, at: number, vr: number, vi: number, wr: number, wi: number): void {
    yr[at] = vr * wr - vi * wi;
    yi[at] = vr * wi + vi * wr;
  }

  private radixP({ p, m, s, twRe, twIm }: Pass, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
    const { re: cr, im: ci } = this.dft.get(p)!;
    const ar = this.tRe;
    const ai = this.tIm;
    const sm = s * m;
    for (let k = 0; k < m; k++) {
      for (let q = 0; q < s; q++) {
        const i0 = q + s * k;
        for (let j = 0; j < p; j++) {
          ar[j] = xr[i0 + j * sm]!;
          ai[j] = xi[i0 + j * sm]!;
        }
        const o = q + s * p * k;
        for (let r = 0; r < p; r++) {
          let sr = 0;
          let si = 0;
          for (let j = 0; j < p; j++) {
            const c = cr[j * p + r]!;
            const d = ci[j * p + r]!;
            sr += ar[j]! * c - ai[j]! * d;
            si += ar[j]! * d + ai[j]! * c;
          }
          if (r === 0) {
            yr[o] = sr;
            yi[o] = si;
          } else {
            const wr = twRe[k * (p - 1) + r - 1]!;
            const wi = twIm[k * (p - 1) + r - 1]!;
            yr[o + r * s] = sr * wr - si * wi;
            yi[o + r * s] = sr * wi + si * wr;
          }
        }
      }
    }
  }
}

/** cos and sin of 2π/5 and 4π/5, for the radix-5 butterfly. */
const C1 = Math.cos((2 * Math.PI) / 5);
const C2 = Math.cos((4 * Math.PI) / 5);
const S1 = Math.sin((2 * Math.PI) / 5);
const S2 = Math.sin((4 * Math.PI) / 5);

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
