/**
 * openai/whisper decoding.py's LogitFilters, ported to one logits row at a time.
 * Each filter sees the row's sampled tokens (after the prompt) and masks with −∞ in place.
 */
import { createSimdSumExp } from './simd-exp';
import type { WhisperSpecials } from './tokenizer';

export interface LogitFilter {
  apply(logits: Float32Array, sampled: readonly number[]): void;
}

/** At the first sampled position, forbid a blank start (" " and EOT). */
export class SuppressBlank implements LogitFilter {
  constructor(private readonly blankTokens: readonly number[]) {}
  apply(logits: Float32Array, sampled: readonly number[]): void {
    if (sampled.length !== 0) return;
    for (const t of this.blankTokens) if (t < logits.length) logits[t] = -Infinity;
  }
}

export class SuppressTokens implements LogitFilter {
  private readonly ids: Int32Array;
  constructor(ids: readonly number[]) {
    this.ids = Int32Array.from(ids);
  }
  apply(logits: Float32Array): void {
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i]! < logits.length) logits[ids[i]!] = -Infinity;
  }
}

/**
 * ApplyTimestampRules: timestamps come in pairs (except right before EOT), never
 * decrease, the first one is at most maxInitialTimestampIndex, and when the total
 * probability of timestamps beats every single text token, a timestamp is forced.
 */
export class ApplyTimestampRules implements LogitFilter {
  constructor(
    private readonly specials: Pick<WhisperSpecials, 'eot' | 'noTimestamps' | 'timestampBegin'>,
    private readonly maxInitialTimestampIndex: number | null = 50,
  ) {}

  apply(logits: Float32Array, sampled: readonly number[]): void {
    const { eot, noTimestamps, timestampBegin: tsBegin } = this.specials;
    const vocab = logits.length;
    logits[noTimestamps] = -Infinity;

    const n = sampled.length;
    const lastWasTs = n >= 1 && sampled[n - 1]! >= tsBegin;
    const penultimateWasTs = n < 2 || sampled[n - 2]! >= tsBegin;
    if (lastWasTs) {
      if (penultimateWasTs) logits.fill(-Infinity, tsBegin, vocab);
      else logits.fill(-Infinity, 0, eot);
    }

    let lastTs = -1;
    for (let i = n - 1; i >= 0; i--) {
      if (sampled[i]! >= tsBegin) {
        lastTs = sampled[i]!;
        break;
      }
    }
    if (lastTs >= 0) {
      // Non-decreasing; after a closing timestamp the next segment must move forward.
      const bound = lastWasTs && !penultimateWasTs ? lastTs : lastTs + 1;
      logits.fill(-Infinity, tsBegin, Math.min(bound, vocab));
    }

    if (n === 0) {
      logits.fill(-Infinity, 0, tsBegin);
      if (this.maxInitialTimestampIndex !== null) {
        const lastAllowed = tsBegin + this.maxInitialTimestampIndex;
        if (lastAllowed + 1 < vocab) logits.fill(-Infinity, lastAllowed + 1, vocab);
      }
    }

    // Compare in logit space: log_softmax shifts both sides by the same constant.
    let maxText = -Infinity;
    for (let i = 0; i < tsBegin; i++) if (logits[i]! > maxText) maxText = logits[i]!;
    let maxTs = -Infinity;
    for (let i = tsBegin; i < vocab; i++) if (logits[i]! > maxTs) maxTs = logits[i]!;
    if (maxTs === -Infinity) return;
    const tsLogsumexp = maxTs + Math.log(sumExpShifted(logits, maxTs, tsBegin, vocab));
    if (tsLogsumexp > maxText) logits.fill(-Infinity, 0, tsBegin);
  }
}

/** Terms below 2^-60 of the largest cannot move a double sum that holds 1 (the maximum's own term). */
const NEGLIGIBLE = -60;
/** Steps per octave of the exponent table. */
const STEPS = 32;
/** 2^(−i/32) for i in [0, 60·32]: every exponent sumExpShifted keeps, to the nearest 1/32. */
const POW2_STEPS = Float64Array.from({ length: -NEGLIGIBLE * STEPS + 1 }, (_, i) => 2 ** (-i / STEPS));
const SCALE = Math.LOG2E * STEPS;
const LN2_STEP = Math.LN2 / STEPS;

/**
 * Σ exp(row[i] − max) over [from, to), for max ≥ every row[i] (−∞ entries add nothing).
 * Scalar version (short ranges, and where WebAssembly SIMD is missing). Here
 * exp(x) = 2^(n/32) · e^y with n = round(32·x·log2 e) read from a table and |y| ≤ ln2/64,
 * e^y by a degree-4 Taylor polynomial: relative error < 2e-12 per term, far below float32
 * logits' own precision (and half the arithmetic of a degree-7 polynomial over a whole octave).
 */
export function sumExpShiftedScalar(row: Float32Array, max: number, from = 0, to = row.length): number {
  let sum = 0;
  const floor = NEGLIGIBLE * STEPS;
  for (let i = from; i < to; i++) {
    const x = (row[i]! - max) * SCALE; // ≤ 0; −∞ for masked entries
    if (!(x > floor)) continue;
    // Nearest step; Math.round and a double index (−0) would cost more than the arithmetic.
    const n = Math.floor(x + 0.5);
    const y = (x - n) * LN2_STEP; // |y| ≤ ln2 / 64
    sum += POW2_STEPS[-n | 0]! * (1 + y * (1 + y * (0.5 + y * (1 / 6 + y * (1 / 24)))));
  }
  return sum;
}

const simdSumExp = createSimdSumExp();
/** Below this many entries the copy into WebAssembly memory costs more than the SIMD saves. */
const SIMD_MIN_ENTRIES = 256;

/**
 * Σ exp(row[i] − max) over [from, to), for max ≥ every row[i] (−∞ entries add nothing
 * measurable). The log-softmax denominator of every decoding step: the vocabulary (51 864
 * entries) times rows times steps. Long ranges go to the WebAssembly SIMD sum (simd-exp.ts,
 * relative error ~1e−8, at most ~1e−7), ~2× faster than the scalar loop.
 */
export function sumExpShifted(row: Float32Array, max: number, from = 0, to = row.length): number {
  if (simdSumExp && to - from >= SIMD_MIN_ENTRIES) return simdSumExp(row, max, from, to);
  return sumExpShiftedScalar(row, max, from, to);
}

/** log Σ exp(row), stable; −∞ for an all −∞ row. */
export function logSumExp(row: Float32Array, from = 0, to = row.length): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) if (row[i]! > max) max = row[i]!;
  if (max === -Infinity) return -Infinity;
  return max + Math.log(sumExpShifted(row, max, from, to));
}

/** log Σ exp(row) when the maximum is already known (greedy: the argmax's value). */
export function logSumExpFromMax(row: Float32Array, max: number): number {
  if (max === -Infinity) return -Infinity;
  return max + Math.log(sumExpShifted(row, max));
}

export function argmax(row: Float32Array): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < row.length; i++) {
    if (row[i]! > bestV) {
      bestV = row[i]!;
      best = i;
    }
  }
  return best;
}

/** Indices of the k largest values, largest first (k is small: beam size + 1). */
export function topK(row: Float32Array, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (idx.length === k && v <= row[idx[k - 1]!]!) continue;
    let p = idx.length < k ? idx.length : k - 1;
    if (idx.length < k) idx.push(i);
    while (p > 0 && row[idx[p - 1]!]! < v) {
      idx[p] = idx[p - 1]!;
      p--;
    }
    idx[p] = i;
  }
  return idx;
}
