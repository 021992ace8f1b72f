import { describe, expect, it } from 'vitest';
import { decodeRows, type DecodeOptions } from '../../main/inference/whisper/decoding';
import { ApplyTimestampRules, logSumExp, logSumExpFromMax, SuppressBlank, sumExpShifted, sumExpShiftedScalar, topK } from '../../main/inference/whisper/logits-filters';
import { createSimdSumExp } from '../../main/inference/whisper/simd-exp';
import type { WhisperSpecials } from '../../main/inference/whisper/tokenizer';
import { FakeDecoder, logitsRow } from './fake-decoder';

// A small test vocabulary: 10 text tokens, the specials, 101 timestamps (0.00 … 2.00 s).
const sp: WhisperSpecials = { eot: 10, sot: 11, translate: 12, transcribe: 13, sotLm: 14, sotPrev: 15, noSpeech: 16, noTimestamps: 17, timestampBegin: 18 };
const V = 18 + 101;
const ts = (i: number) => sp.timestampBegin + i;
const masked = (row: Float32Array, from: number, to: number) => [...row.subarray(from, to)].every((v) => v === -Infinity);
const open = (row: Float32Array, from: number, to: number) => [...row.subarray(from, to)].every((v) => v > -Infinity);

const greedy: DecodeOptions = {
  temperature: 0,
  beamSize: 1,
  bestOf: 1,
  sampleLen: 20,
  withoutTimestamps: true,
  maxInitialTimestampIndex: 50,
  suppressTokens: [],
  suppressBlank: false,
  blankTokens: [],
  random: Math.random,
};

describe('ApplyTimestampRules (openai/whisper)', () => {
  const rules = new ApplyTimestampRules(sp, 50);

  it('starts with a timestamp no later than 1.0 s and never emits <|notimestamps|>', () => {
    const row = new Float32Array(V);
    rules.apply(row, []);
    expect(masked(row, 0, sp.timestampBegin)).toBe(true);
    expect(open(row, ts(0), ts(51))).toBe(true);
    expect(masked(row, ts(51), V)).toBe(true);
  });

  // Text and EOT strong enough that the logsumexp rule stays out of these cases.
  const textHeavy = () => logitsRow(V, Object.fromEntries(Array.from({ length: sp.eot + 1 }, (_, i) => [i, 10])), 0);

  it('makes the next timestamp move forward after text (non-decreasing, non-zero segments)', () => {
    const row = textHeavy();
    rules.apply(row, [ts(5), 3]);
    expect(masked(row, ts(0), ts(6))).toBe(true);
    expect(open(row, ts(6), V)).toBe(true);
    expect(open(row, 0, sp.eot + 1)).toBe(true);
  });

  it('after a single closing timestamp allows only a timestamp (≥ it) or EOT', () => {
    const row = textHeavy();
    rules.apply(row, [ts(5), 3, ts(9)]);
    expect(masked(row, 0, sp.eot)).toBe(true);
    expect(row[sp.eot]).toBeGreaterThan(-Infinity);
    expect(masked(row, ts(0), ts(9))).toBe(true);
    expect(open(row, ts(9), V)).toBe(true);
  });

  it('after a pair of timestamps forbids a third one', () => {
    const row = textHeavy();
    rules.apply(row, [ts(5), 3, ts(9), ts(9)]);
    expect(masked(row, ts(0), V)).toBe(true);
    expect(open(row, 0, sp.eot + 1)).toBe(true);
  });

  it('forces a timestamp when the timestamps together outweigh every text token (logsumexp rule)', () => {
    const strong = logitsRow(V, { 4: 2.0 }, -50);
    for (let i = 30; i <= 100; i++) strong[ts(i)] = 0; // 71 tokens: log 71 ≈ 4.26 > 2
    rules.apply(strong, [ts(0), 3]);
    expect(masked(strong, 0, sp.timestampBegin)).toBe(true);

    const weak = logitsRow(V, { 4: 2.0 }, -50);
    for (let i = 30; i <= 100; i++) weak[ts(i)] = -5; // −5 + 4.26 < 2
    rules.apply(weak, [ts(0), 3]);
    expect(weak[4]).toBe(2.0);
  });

  it('needs no initial-timestamp limit when max_initial_timestamp is off', () => {
    const row = new Float32Array(V);
    new ApplyTimestampRules(sp, null).apply(row, []);
    expect(open(row, ts(0), V)).toBe(true);
  });
});

describe('SuppressBlank and top-k', () => {
  it('forbids a blank or empty start only at the first sampled position', () => {
    const f = new SuppressBlank([2, sp.eot]);
    const first = new Float32Array(V);
    f.apply(first, []);
    expect([first[2], first[sp.eot]]).toEqual([-Infinity, -Infinity]);
    const later = new Float32Array(V);
    f.apply(later, [1]);
    expect(later[2]).toBe(0);
  });

  it('returns the k largest indices, largest first', () => {
    expect(topK(Float32Array.of(0.1, 5, -1, 3, 4, 4.5), 3)).toEqual([1, 5, 4]);
  });
});

/** Audio a says seqs[a] (logit 5 vs 0) and then EOT. */
function scripted(seqs: number[][]) {
  return (audio: number, sampled: readonly number[]) => {
    const want = seqs[audio]![sampled.length] ?? sp.eot;
    return logitsRow(V, { [want]: 5 }, 0);
  };
}

describe('the batched decode loop', () => {
  const seqs = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 1], [2], [3, 3, 3, 3, 3]];

  it('decodes every row of a batch as it would alone; finished rows leave the batch', async () => {
    const fake = new FakeDecoder(V, scripted(seqs));
    const rows = await decodeRows(fake, sp, Int32Array.of(sp.sot, sp.noTimestamps), 0, seqs.length, greedy);
    expect(rows.map((r) => r.tokens)).toEqual(seqs);
    // 4 rows, then row 2 done after 2 calls, row 0 after 4, row 3 after 6, row 1 after 8.
    expect(fake.rowsPerCall).toEqual([4, 4, 3, 3, 2, 2, 1, 1]);
    for (let a = 0; a < seqs.length; a++) {
      const alone = await decodeRows(new FakeDecoder(V, (_x, s) => scripted(seqs)(a, s)), sp, Int32Array.of(sp.sot), 0, 1, greedy);
      expect(alone[0]!.tokens).toEqual(rows[a]!.tokens);
      expect(alone[0]!.sumLogprob).toBeCloseTo(rows[a]!.sumLogprob, 10);
    }
  });

  it('averages the log probability over the tokens plus EOT and reads no-speech from the SOT logits', async () => {
    const fake = new FakeDecoder(V, scripted([[1, 2]]), () => logitsRow(V, { [sp.noSpeech]: 3 }, 0));
    const [r] = await decodeRows(fake, sp, Int32Array.of(sp.sot), 0, 1, greedy);
    const lp = 5 - Math.log(Math.exp(5) + (V - 1));
    expect(r!.avgLogprob).toBeCloseTo((3 * lp) / 3, 10);
    expect(r!.noSpeechProb).toBeCloseTo(Math.exp(3) / (Math.exp(3) + V - 1), 10);
  });

  it('stops a row that never ends at the sample length', async () => {
    const fake = new FakeDecoder(V, () => logitsRow(V, { 1: 5 }, 0));
    const [r] = await decodeRows(fake, sp, Int32Array.of(sp.sot), 0, 1, { ...greedy, sampleLen: 7 });
    expect(r!.tokens).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('stops when the signal is aborted', async () => {
    const ac = new AbortController();
    const fake = new FakeDecoder(V, (_a, s) => {
      if (s.length === 3) ac.abort(new Error('stop'));
      return logitsRow(V, { 1: 5 }, 0);
    });
    await expect(decodeRows(fake, sp, Int32Array.of(sp.sot), 0, 1, { ...greedy, signal: ac.signal })).rejects.toThrow('stop');
  });
});

describe('beam search (openai BeamSearchDecoder, patience 1)', () => {
  const L = (p: number) => Math.log(p);
  // Step 1: A (0.55) vs B (0.45). After A the model is unsure (0.2 each of 5); after B it ends (0.95).
  const fn = (_a: number, s: readonly number[]) => {
    const row = new Float32Array(V).fill(L(1e-9));
    if (s.length === 0) {
      row[1] = L(0.55);
      row[2] = L(0.45);
    } else if (s[0] === 1 && s.length === 1) for (const t of [3, 4, 5, 6, sp.eot]) row[t] = L(0.2);
    else if (s[0] === 2) {
      row[sp.eot] = L(0.95);
      row[7] = L(0.05);
    } else row[sp.eot] = 0;
    return row;
  };

  it('finds the sequence greedy decoding misses', async () => {
    const [g] = await decodeRows(new FakeDecoder(V, fn), sp, Int32Array.of(sp.sot), 0, 1, greedy);
    expect(g!.tokens[0]).toBe(1);
    const [b] = await decodeRows(new FakeDecoder(V, fn), sp, Int32Array.of(sp.sot), 0, 1, { ...greedy, beamSize: 2 });
    expect(b!.tokens).toEqual([2]);
    expect(b!.sumLogprob).toBeCloseTo(L(0.45) + L(0.95), 6);
  });

  it('keeps beam_size rows per audio and drops an audio once it has beam_size finished sequences', async () => {
    const fake = new FakeDecoder(V, (a, s) => (a === 0 ? fn(a, s) : scripted([[], [1, 2, 3, 4, 5, 6]])(a, s)));
    const rows = await decodeRows(fake, sp, Int32Array.of(sp.sot), 0, 2, { ...greedy, beamSize: 3 });
    expect(rows[0]!.tokens).toEqual([2]);
    expect(rows[1]!.tokens).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fake.rowsPerCall[0]).toBe(6);
    expect(fake.rowsPerCall[fake.rowsPerCall.length - 1]).toBe(3);
  });

  it('samples best_of candidates at temperature > 0 and keeps the most likely', async () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const fake = new FakeDecoder(V, fn);
    const [r] = await decodeRows(fake, sp, Int32Array.of(sp.sot), 0, 1, { ...greedy, temperature: 1, bestOf: 5, random });
    expect(fake.rowsPerCall[0]).toBe(5);
    expect(r!.tokens).toEqual([2]);
  });
});

describe('fast log-sum-exp (the log-softmax denominator of every step)', () => {
  const exact = (row: Float32Array, max: number, from = 0, to = row.length) => {
    let s = 0;
    for (let i = from; i < to; i++) if (row[i] !== -Infinity) s += Math.exp(row[i]! - max);
    return s;
  };
  const simd = createSimdSumExp();
  // Float32 lanes: one term far below the maximum carries the float32 rounding of its distance
  // d (in nats), ~6e-8·|d| relative, the same order as the logit's own precision; a whole
  // row's sum is dominated by the terms near the maximum.
  const sums: Array<[string, (row: Float32Array, max: number, from?: number, to?: number) => number, number, (d: number) => number]> = [
    ['scalar', sumExpShiftedScalar, 1e-10, () => 1e-10],
    ['WebAssembly SIMD', (row, max, from = 0, to = row.length) => simd!(row, max, from, to), 2e-7, (d) => 1e-7 * (2 + Math.abs(d))],
    ['sumExpShifted (dispatch)', sumExpShifted, 2e-7, (d) => 1e-7 * (2 + Math.abs(d))],
  ];
  it('WebAssembly SIMD is available here, so the fast path is the one measured and tested', () => {
    expect(simd).not.toBeNull();
  });
  for (const [name, sum, tol, termTol] of sums) {
    it(`${name}: matches Math.exp to ${tol} relative on logits of every scale, with masked entries, extremes and odd ranges`, () => {
      let seed = 7;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (const scale of [0.01, 1, 5, 30, 200]) {
        const row = Float32Array.from({ length: 51864 }, () => (rand() - 0.5) * scale);
        for (let i = 0; i < row.length; i += 7) row[i] = -Infinity;
        row[3] = 1e4; // one dominant logit: everything else underflows relative to it
        for (const r of [row, row.subarray(4)]) {
          let max = -Infinity;
          for (const v of r) if (v > max) max = v;
          const want = exact(r, max);
          expect(Math.abs(sum(r, max) - want) / want).toBeLessThan(tol);
          for (const [from, to] of [[100, 2000], [5, 5 + 257], [11, 11 + 258], [1, 1 + 259]] as const) {
            let wmax = -Infinity;
            for (const v of r.subarray(from, to)) if (v > wmax) wmax = v;
            expect(Math.abs(sum(r, wmax, from, to) - exact(r, wmax, from, to)) / exact(r, wmax, from, to)).toBeLessThan(tol);
          }
        }
      }
    });
    it(`${name}: every exponent, alone and next to the maximum's own term`, () => {
      for (let x = -80; x <= 0; x += 0.0137) {
        const row = new Float32Array(300).fill(-Infinity); // long enough for the SIMD path
        row[0] = 0;
        row[299] = x;
        expect(Math.abs(sum(row, 0) - (1 + Math.exp(Math.fround(x)))) / (1 + Math.exp(Math.fround(x)))).toBeLessThan(tol);
        if (x > -41) {
          const only = new Float32Array(300).fill(-Infinity);
          only[150] = x;
          expect(Math.abs(sum(only, 0) - Math.exp(Math.fround(x))) / Math.exp(Math.fround(x))).toBeLessThan(termTol(x));
        }
      }
    });
  }
  it('log-sum-exp of all-masked rows is -Infinity, short or long', () => {
    expect(logSumExp(Float32Array.of(-Infinity, -Infinity))).toBe(-Infinity);
    expect(logSumExp(new Float32Array(1000).fill(-Infinity))).toBe(-Infinity);
    expect(logSumExpFromMax(Float32Array.of(-Infinity), -Infinity)).toBe(-Infinity);
    const row = new Float32Array(1000).fill(-Infinity);
    row[500] = 3;
    expect(logSumExp(row)).toBeCloseTo(3, 10);
  });
});
