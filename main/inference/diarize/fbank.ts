/**
 * Kaldi-style log-mel filterbank, as torchaudio.compliance.kaldi.fbank computes it with the
 * settings wespeaker and 3D-Speaker embedding models are trained on (25 ms povey window,
 * 10 ms shift, pre-emphasis 0.97, DC removed per frame, power spectrum, 80 bins from 20 Hz
 * to Nyquist, snip_edges, no dither, no energy floor), then per-utterance mean normalisation.
 * Frames are independent of each other, so a caller may compute them once on the file's
 * frame grid and slice windows out of it (the diarizer does).
 */

export interface FbankOptions {
  sampleRate: number;
  numMelBins: number;
  /** Frame length and shift in milliseconds. */
  frameLengthMs: number;
  frameShiftMs: number;
  lowFreq: number;
  /** <= 0: offset from Nyquist (Kaldi's convention; 0 = Nyquist). */
  highFreq: number;
  preemphasis: number;
  /** Multiply [-1, 1] samples by this first: 32768 when the model was trained on int16-range audio. */
  sampleScale: number;
}

export const kaldiFbankDefaults: FbankOptions = {
  sampleRate: 16000,
  numMelBins: 80,
  frameLengthMs: 25,
  frameShiftMs: 10,
  lowFreq: 20,
  highFreq: 0,
  preemphasis: 0.97,
  sampleScale: 32768,
};

/** torch.finfo(torch.float32).eps: Kaldi's floor before the log. */
const LOG_FLOOR = 1.1920928955078125e-7;

const melScale = (hz: number) => 1127 * Math.log(1 + hz / 700);

/**
 * In-place iterative radix-2 complex FFT for the power-of-two frame Kaldi pads to (512): a
 * few times faster than the general mixed-radix plan in whisper/fft.ts, which matters at
 * 100 frames per second of audio.
 */
class Radix2Fft {
  private readonly rev: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(readonly n: number) {
    const bits = Math.log2(n);
    if (!Number.isInteger(bits)) throw new RangeError(`FFT size ${n} is not a power of two`);
    this.rev = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.cos = Float64Array.from({ length: n / 2 }, (_, k) => Math.cos((-2 * Math.PI * k) / n));
    this.sin = Float64Array.from({ length: n / 2 }, (_, k) => Math.sin((-2 * Math.PI * k) / n));
  }

  transform(re: Float64Array, im: Float64Array): void {
    const { n, rev } = this;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const stride = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const c = this.cos[k * stride]!;
          const s = this.sin[k * stride]!;
          const a = start + k;
          const b = a + half;
          const xr = re[b]! * c - im[b]! * s;
          const xi = re[b]! * s + im[b]! * c;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a]! += xr;
          im[a]! += xi;
        }
      }
    }
  }
}

export class KaldiFbank {
  readonly opts: FbankOptions;
  /** Samples per frame and between frame starts. */
  readonly frameLength: number;
  readonly frameShift: number;
  private readonly paddedLength: number;
  private readonly window: Float64Array;
  /** Triangular filters: for bin b, weights over FFT bins [first[b], first[b] + weights[b].length). */
  private readonly first: Int32Array;
  private readonly weights: Float64Array[];
  private readonly fft: Radix2Fft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly power: Float64Array;

  constructor(opts: Partial<FbankOptions> = {}) {
    this.opts = { ...kaldiFbankDefaults, ...opts };
    const { sampleRate, frameLengthMs, frameShiftMs, numMelBins, lowFreq } = this.opts;
    this.frameLength = Math.round((sampleRate * frameLengthMs) / 1000);
    this.frameShift = Math.round((sampleRate * frameShiftMs) / 1000);
    this.paddedLength = 2 ** Math.ceil(Math.log2(this.frameLength));
    // povey: a symmetric Hann window raised to 0.85.
    this.window = new Float64Array(this.frameLength);
    for (let i = 0; i < this.frameLength; i++) this.window[i] = (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (this.frameLength - 1))) ** 0.85;

    const nyquist = sampleRate / 2;
    const highFreq = this.opts.highFreq <= 0 ? nyquist + this.opts.highFreq : this.opts.highFreq;
    const numFftBins = this.paddedLength / 2;
    const binWidth = sampleRate / this.paddedLength;
    const melLow = melScale(lowFreq);
    const melDelta = (melScale(highFreq) - melLow) / (numMelBins + 1);
    this.first = new Int32Array(numMelBins);
    this.weights = [];
    for (let b = 0; b < numMelBins; b++) {
      const left = melLow + b * melDelta;
      const centre = left + melDelta;
      const right = centre + melDelta;
      // A triangle covers one contiguous run of bins. The Nyquist bin always gets weight 0
      // (torchaudio pads the filters with a zero column).
      let lo = numFftBins;
      let hi = -1;
      const v = new Float64Array(numFftBins);
      for (let k = 0; k < numFftBins; k++) {
        const mel = melScale(binWidth * k);
        v[k] = Math.max(0, Math.min((mel - left) / (centre - left), (right - mel) / (right - centre)));
        if (v[k]! > 0) {
          lo = Math.min(lo, k);
          hi = k;
        }
      }
      this.first[b] = hi < 0 ? 0 : lo;
      this.weights.push(hi < 0 ? new Float64Array(0) : v.slice(lo, hi + 1));
    }
    this.fft = new Radix2Fft(this.paddedLength);
    this.re = new Float64Array(this.paddedLength);
    this.im = new Float64Array(this.paddedLength);
    this.power = new Float64Array(numFftBins + 1);
  }

  get numMelBins(): number {
    return this.opts.numMelBins;
  }

  /** Frames that fit in n samples (snip_edges). */
  numFrames(numSamples: number): number {
    return numSamples < this.frameLength ? 0 : 1 + Math.floor((numSamples - this.frameLength) / this.frameShift);
  }

  /** One frame from samples[start, start + frameLength) into out[outOffset, outOffset + numMelBins). */
  computeFrame(samples: ArrayLike<number>, start: number, out: Float32Array, outOffset = 0): void {
    const n = this.frameLength;
    const { re, im, window } = this;
    const scale = this.opts.sampleScale;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += samples[start + i]!;
    mean = (mean * scale) / n;
    // Pre-emphasis inside the frame; the first sample is its own predecessor (Kaldi).
    const pre = this.opts.preemphasis;
    let prev = samples[start]! * scale - mean;
    for (let i = 0; i < n; i++) {
      const x = samples[start + i]! * scale - mean;
      re[i] = (x - pre * prev) * window[i]!;
      prev = x;
    }
    re.fill(0, n);
    im.fill(0);
    this.fft.transform(re, im);
    for (let k = 0; k < this.power.length; k++) this.power[k] = re[k]! ** 2 + im[k]! ** 2;
    for (let b = 0; b < this.opts.numMelBins; b++) {
      const w = this.weights[b]!;
      const f = this.first[b]!;
      let e = 0;
      for (let k = 0; k < w.length; k++) e += w[k]! * this.power[f + k]!;
      out[outOffset + b] = Math.log(Math.max(e, LOG_FLOOR));
    }
  }

  /** All frames of a signal, row-major [numFrames][numMelBins], before mean normalisation. */
  compute(samples: ArrayLike<number>): { data: Float32Array; numFrames: number } {
    const numFrames = this.numFrames(samples.length);
    const data = new Float32Array(numFrames * this.opts.numMelBins);
    for (let t = 0; t < numFrames; t++) this.computeFrame(samples, t * this.frameShift, data, t * this.opts.numMelBins);
    return { data, numFrames };
  }
}

/** Per-utterance cepstral mean normalisation in place: each bin's mean over the frames is subtracted. */
export function subtractMean(data: Float32Array, numFrames: number, numBins: number): Float32Array {
  if (numFrames === 0) return data;
  const mean = new Float64Array(numBins);
  for (let t = 0; t < numFrames; t++) for (let b = 0; b < numBins; b++) mean[b]! += data[t * numBins + b]!;
  for (let b = 0; b < numBins; b++) mean[b]! /= numFrames;
  for (let t = 0; t < numFrames; t++) for (let b = 0; b < numBins; b++) data[t * numBins + b]! -= mean[b]!;
  return data;
}

/** Fbank with CMN: the embedding model's input for one utterance. */
export function fbankWithCmn(samples: ArrayLike<number>, fbank: KaldiFbank = new KaldiFbank()): { data: Float32Array; numFrames: number } {
  const r = fbank.compute(samples);
  subtractMean(r.data, r.numFrames, fbank.numMelBins);
  return r;
}
