import { describe, expect, it } from 'vitest';
import { FftPlan } from '../../main/inference/whisper/fft';

/** O(n²) DFT in float64, the reference. */
function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += re[t]! * Math.cos(a) - im[t]! * Math.sin(a);
      si += re[t]! * Math.sin(a) + im[t]! * Math.cos(a);
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  return [outRe, outIm];
}

describe('FftPlan', () => {
  // 400 is Whisper's n_fft (4·4·5·5); the others cover radix 2, 3, 7, primes and n = 1.
  it.each([1, 2, 3, 4, 5, 8, 12, 16, 25, 30, 49, 64, 97, 200, 400, 512, 1000])('n = %i matches the naive DFT to 1e-9 of its scale', (n) => {
    let seed = n * 7919;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const re = Float64Array.from({ length: n }, rnd);
    const im = Float64Array.from({ length: n }, rnd);
    const keepRe = re.slice();
    const keepIm = im.slice();
    const outRe = new Float64Array(n);
    const outIm = new Float64Array(n);
    const plan = new FftPlan(n);
    plan.transform(re, im, outRe, outIm);
    const [wantRe, wantIm] = naiveDft(re, im);
    let err = 0;
    for (let k = 0; k < n; k++) err = Math.max(err, Math.abs(outRe[k]! - wantRe[k]!), Math.abs(outIm[k]! - wantIm[k]!));
    expect(err).toBeLessThan(1e-9 * Math.max(1, n));
    expect(re).toEqual(keepRe);
    expect(im).toEqual(keepIm);
    // The plan is reusable: a second transform of other data is right too.
    const [wr2] = naiveDft(im, re);
    plan.transform(im, re, outRe, outIm);
    for (let k = 0; k < n; k++) expect(Math.abs(outRe[k]! - wr2[k]!)).toBeLessThan(1e-9 * Math.max(1, n));
  });

  it('refuses sizes that are not positive integers', () => {
    expect(() => new FftPlan(0)).toThrow(/positive integer/);
    expect(() => new FftPlan(2.5)).toThrow(/positive integer/);
  });
});
