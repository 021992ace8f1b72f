import { describe, expect, it } from 'vitest';
import { seededRandom as rng } from '../../main/core/random';
import { cutAndMerge } from '../../main/inference/vad';
import type { SpeechRegion } from '../../main/inference/types';

const fs = 0.032;
const eps = 1e-9;


/** Random speech: regions (seconds) and per-frame probabilities consistent with them. */
function randomSpeech(rand: () => number) {
  const regions: Array<{ start: number; end: number }> = [];
  let t = rand() * 3;
  const count = 1 + Math.floor(rand() * 25);
  for (let i = 0; i < count; i++) {
    const long = rand() < 0.2;
    const dur = long ? 30 + rand() * 120 : 0.3 + rand() * 20;
    regions.push({ start: t, end: t + dur });
    t += dur + 0.1 + rand() * 4;
  }
  const probs = new Float32Array(Math.ceil((t + 1) / fs));
  for (let i = 0; i < probs.length; i++) {
    const mid = (i + 0.5) * fs;
    const inSpeech = regions.some((r) => mid > r.start && mid < r.end);
    probs[i] = inSpeech ? 0.5 + rand() * 0.5 : rand() * 0.3;
  }
  return { regions, probs };
}

/** Union of spans as sorted disjoint intervals. */
function union(spans: Array<{ start: number; end: number }>) {
  const out: Array<{ start: number; end: number }> = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end + eps) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

describe('cut & merge (WhisperX merge_chunks with the min-probability cut)', () => {
  const chunkSizes = [30, 10, 5];
  for (const chunkSize of chunkSizes) {
    it(`properties over 300 random inputs, chunk ${chunkSize} s`, () => {
      const rand = rng(chunkSize * 7919);
      const violations: string[] = [];
      const check = (ok: boolean, what: string) => {
        if (!ok && violations.length < 10) violations.push(what);
      };
      for (let trial = 0; trial < 300; trial++) {
        const { regions, probs } = randomSpeech(rand);
        const chunks = cutAndMerge(regions, probs, { chunkSize });
        const at = `trial ${trial}`;

        for (const c of chunks) check(c.end - c.start <= chunkSize + eps, `${at}: chunk ${c.start}-${c.end} longer than ${chunkSize}`);
        for (let i = 1; i < chunks.length; i++) check(chunks[i]!.start >= chunks[i - 1]!.end - eps, `${at}: chunk ${i} overlaps or is out of order`);
        for (const c of chunks) {
          const segs = c.segments ?? [];
          check(segs.length > 0 && segs[0]!.start === c.start && segs.at(-1)!.end === c.end, `${at}: chunk ${c.start} does not span its segments`);
          for (let i = 1; i < segs.length; i++) check(segs[i]!.start >= segs[i - 1]!.end - eps, `${at}: segments out of order`);
        }
        // The sub-segments cover exactly the speech: nothing lost, nothing added.
        const covered = union(chunks.flatMap((c) => c.segments ?? []));
        const speech = union(regions);
        check(covered.length === speech.length, `${at}: ${covered.length} covered spans for ${speech.length} speech spans`);
        covered.forEach((sp, i) => check(Math.abs(sp.start - speech[i]!.start) < 1e-9 && Math.abs(sp.end - speech[i]!.end) < 1e-9, `${at}: span ${i} differs`));
        // Greedy: a chunk could not have taken the next piece without passing the chunk size.
        for (let i = 1; i < chunks.length; i++) check(chunks[i]!.segments![0]!.end - chunks[i - 1]!.start > chunkSize - eps, `${at}: chunk ${i - 1} could have taken more`);
      }
      expect(violations).toEqual([]);
    });

    it(`every cut inside a long region lands on the lowest probability of the window's latter half, chunk ${chunkSize} s`, () => {
      const rand = rng(chunkSize * 104729);
      let cutsChecked = 0;
      for (let trial = 0; trial < 200; trial++) {
        const { regions, probs } = randomSpeech(rand);
        const pieces = cutAndMerge(regions, probs, { chunkSize }).flatMap((c) => c.segments!);
        for (let i = 0; i + 1 < pieces.length; i++) {
          const piece = pieces[i]!;
          const isCut = Math.abs(pieces[i + 1]!.start - piece.end) < eps && !regions.some((r) => Math.abs(r.end - piece.end) < eps);
          const region = regions.find((r) => piece.end > r.start && piece.end < r.end);
          if (!isCut || !region) continue;
          const cutFrame = Math.round(piece.end / fs - 0.5);
          // The cut is on a frame middle, and no frame in the latter half of the window is lower.
          expect(Math.abs((cutFrame + 0.5) * fs - piece.end)).toBeLessThan(1e-6);
          const from = Math.ceil((piece.start + chunkSize / 2) / fs - 0.5) + 2;
          const to = Math.min(Math.floor((piece.start + chunkSize) / fs - 0.5), Math.floor(region.end / fs - 0.5) - 1);
          let lowest = Infinity;
          for (let f = from; f <= to; f++) lowest = Math.min(lowest, probs[f]!);
          expect(probs[cutFrame]!).toBeLessThanOrEqual(lowest);
          cutsChecked++;
        }
      }
      expect(cutsChecked).toBeGreaterThan(20);
    });
  }

  it('cuts a 70 s region at its dips (25 s and 50 s), not at a dip in the first half of a window', () => {
    const probs = new Float32Array(Math.ceil(72 / fs)).fill(0.9);
    const dip = (t: number, p: number) => (probs[Math.floor(t / fs)] = p);
    dip(5, 0.01); // first half of the first window: ignored, cuts there would leave a tiny piece
    dip(25, 0.1);
    dip(50, 0.2);
    const chunks = cutAndMerge([{ start: 0, end: 70 }], probs, { chunkSize: 30 });
    const cuts = chunks.flatMap((c) => c.segments!).map((s) => s.end);
    expect(cuts.map((t) => Math.round(t))).toEqual([25, 50, 70]);
    expect(chunks).toHaveLength(3);
  });

  it('merges neighbours greedily: 10 s regions every 12 s pack two per 30 s chunk', () => {
    const regions = Array.from({ length: 6 }, (_, i) => ({ start: i * 12, end: i * 12 + 10 }));
    const chunks = cutAndMerge(regions, new Float32Array(0), { chunkSize: 30 });
    expect(chunks).toEqual<SpeechRegion[]>([
      { start: 0, end: 22, segments: [{ start: 0, end: 10 }, { start: 12, end: 22 }] },
      { start: 24, end: 46, segments: [{ start: 24, end: 34 }, { start: 36, end: 46 }] },
      { start: 48, end: 70, segments: [{ start: 48, end: 58 }, { start: 60, end: 70 }] },
    ]);
  });

  it('no speech, no chunks', () => {
    expect(cutAndMerge([], new Float32Array(10), { chunkSize: 30 })).toEqual([]);
  });

  it('with regions = null, binarizes the probabilities with onset/offset first', () => {
    const probs = new Float32Array(1000).fill(0.1);
    probs.fill(0.9, 100, 200);
    probs.fill(0.45, 200, 210); // below onset, above offset 0.4: still speech
    probs.fill(0.9, 210, 300);
    const chunks = cutAndMerge(null, probs, { chunkSize: 30, onset: 0.5, offset: 0.4, probsOffset: 10 });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.start).toBeCloseTo(10 + 100.5 * fs, 9);
    expect(chunks[0]!.end).toBeCloseTo(10 + 300.5 * fs, 9);
  });

  it('rejects a chunk size that is not a positive number', () => {
    expect(() => cutAndMerge([], new Float32Array(0), { chunkSize: 0 })).toThrow(RangeError);
  });
});
