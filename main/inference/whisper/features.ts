import { FftPlan } from './fft';

/** Whisper's STFT constants (openai/whisper audio.py); the chunk length comes from the model. */
export const SAMPLE_RATE = 16000;
export const N_FFT = 400;
export const HOP_LENGTH = 160;
const N_BINS = N_FFT / 2 + 1;

function hzToMelSlaney(f: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / logStep : f / fSp;
}

function melToHzSlaney(m: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return m >= minLogMel ? minLogHz * Math.exp(logStep * (m - minLogMel)) : fSp * m;
}

/**
 * librosa.filters.mel(sr=16000, n_fft=400, n_mels, htk=False, norm='slaney'): the filter
 * bank Whisper ships in mel_filters.npz, computed instead of loaded. Row-major [nMels, 201].
 */
export function melFilterBank(nMels: number, sampleRate = SAMPLE_RATE, nFft = N_FFT): Float32Array {
  const nBins = Math.floor(nFft / 2) + 1;
  const fftFreqs = new Float64Array(nBins);
  for (let k = 0; k < nBins; k++) fftFreqs[k] = (k * sampleRate) / nFft;
  const melMax = hzToMelSlaney(sampleRate / 2);
  const melF = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) melF[i] = melToHzSlaney((melMax * i) / (nMels + 1));
  const out = new Float32Array(nMels * nBins);
  for (let i = 0; i < nMels; i++) {
    const lowDiff = melF[i + 1]! - melF[i]!;
    const highDiff = melF[i + 2]! - melF[i + 1]!;
    const enorm = 2 / (melF[i + 2]! - melF[i]!);
    for (let k = 0; k < nBins; k++) {
      const lower = (fftFreqs[k]! - melF[i]!) / lowDiff;
      const upper = (melF[i + 2]! - fftFreqs[k]!) / highDiff;
      // librosa stores the ramp in float32 before scaling; keep that rounding.
      const w = Math.fround(Math.max(0, Math.min(lower, upper)));
      out[i * nBins + k] = w * enorm;
    }
  }
  return out;
}

/** The non-zero span of each filter, so the mel product skips the zeros (most of the bank). */
interface SparseBank {
  from: Int32Array;
  to: Int32Array;
  weights: Float64Array;
}

function sparsify(bank: Float32Array, nMels: number): SparseBank {
  const from = new Int32Array(nMels);
  const to = new Int32Array(nMels);
  for (let i = 0; i < nMels; i++) {
    let a = N_BINS;
    let b = 0;
    for (let k = 0; k < N_BINS; k++) {
      if (bank[i * N_BINS + k] !== 0) {
        a = Math.min(a, k);
        b = k + 1;
      }
    }
    from[i] = a;
    to[i] = Math.max(a, b);
  }
  return { from, to, weights: Float64Array.from(bank) };
}

/**
 * Whisper's log-mel spectrogram for fixed-length chunks: pad/trim to the model's sample
 * count, periodic Hann, centred reflect padding, power spectrum, last frame dropped,
 * log10 with a 1e-10 floor, clamp to max−8 over the chunk, (x+4)/4. Buffers are reused
 * across chunks; one extractor per thread.
 */
export class LogMelExtractor {
  readonly nMels: number;
  readonly nSamples: number;
  readonly nFrames: number;
  private readonly bank: SparseBank;
  private readonly fft = new FftPlan(N_FFT);
  private readonly window = new Float64Array(N_FFT);
  private readonly padded: Float64Array;
  private readonly re = new Float64Array(N_FFT);
  private readonly im = new Float64Array(N_FFT);
  private readonly outRe = new Float64Array(N_FFT);
  private readonly outIm = new Float64Array(N_FFT);
  private readonly power = new Float64Array(2 * N_BINS);
  private readonly logSpec: Float64Array;

  constructor(nMels: number, chunkLengthS: number) {
    this.nMels = nMels;
    this.nSamples = Math.round(chunkLengthS * SAMPLE_RATE);
    this.nFrames = Math.floor(this.nSamples / HOP_LENGTH);
    this.bank = sparsify(melFilterBank(nMels), nMels);
    for (let i = 0; i < N_FFT; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N_FFT);
    this.padded = new Float64Array(this.nSamples + N_FFT);
    this.logSpec = new Float64Array(nMels * this.nFrames);
  }

  /** Features of one chunk into out[offset .. offset + nMels·nFrames), layout [nMels, nFrames]. */
  compute(samples: Float32Array, out: Float32Array = new Float32Array(this.nMels * this.nFrames), offset = 0): Float32Array {
    const { nSamples, nFrames, nMels, padded } = this;
    const half = N_FFT / 2;
    const n = Math.min(samples.length, nSamples);
    padded.fill(0);
    for (let i = 0; i < n; i++) padded[half + i] = samples[i]!;
    // Reflect padding is taken from the zero-padded chunk, as torch.stft sees it.
    for (let i = 0; i < half; i++) {
      padded[half - 1 - i] = padded[half + 1 + i]!;
      padded[half + nSamples + i] = padded[half + nSamples - 2 - i]!;
    }
    let maxLog = -Infinity;
    // Two real frames per complex FFT: frame t in the real part, frame t+1 in the imaginary.
    for (let t = 0; t < nFrames; t += 2) {
      const hasPair = t + 1 < nFrames;
      const a = t * HOP_LENGTH;
      const b = a + HOP_LENGTH;
      for (let i = 0; i < N_FFT; i++) {
        this.re[i] = padded[a + i]! * this.window[i]!;
        this.im[i] = hasPair ? padded[b + i]! * this.window[i]! : 0;
      }
      this.fft.transform(this.re, this.im, this.outRe, this.outIm);
      const Zr = this.outRe;
      const Zi = this.outIm;
      for (let k = 0; k < N_BINS; k++) {
        const nk = (N_FFT - k) % N_FFT;
        const xr = 0.5 * (Zr[k]! + Zr[nk]!);
        const xi = 0.5 * (Zi[k]! - Zi[nk]!);
        const yr = 0.5 * (Zi[k]! + Zi[nk]!);
        const yi = -0.5 * (Zr[k]! - Zr[nk]!);
        this.power[k] = xr * xr + xi * xi;
        this.power[N_BINS + k] = yr * yr + yi * yi;
      }
      for (let f = 0; f < (hasPair ? 2 : 1); f++) {
        const base = f * N_BINS;
        for (let m = 0; m < nMels; m++) {
          let s = 0;
          const row = m * N_BINS;
          for (let k = this.bank.from[m]!; k < this.bank.to[m]!; k++) s += this.bank.weights[row + k]! * this.power[base + k]!;
          const v = Math.log10(Math.max(s, 1e-10));
          this.logSpec[m * nFrames + t + f] = v;
          if (v > maxLog) maxLog = v;
        }
      }
    }
    const floor = maxLog - 8;
    const total = nMels * nFrames;
    for (let i = 0; i < total; i++) {
      const v = this.logSpec[i]!;
      out[offset + i] = ((v > floor ? v : floor) + 4) / 4;
    }
    return out;
  }
}
