import { describe, expect, it } from 'vitest';
import { alignTokens, backtrack, getTrellis, logSoftmax, mergeRepeats, withWildcardColumn } from '../../main/inference/align';
import { BLANK, dictionary, scriptLogits } from './emissions';

const emissionOf = (script: string) => {
  const l = scriptLogits(script);
  return logSoftmax(l.data, l.frames, l.classes);
};
const ids = (chars: string) => [...chars].map((c) => dictionary.get(c)!);
/** Each character's [start, end) frames. */
const spansOf = (script: string, chars: string) => alignTokens(emissionOf(script), ids(chars), BLANK)?.map((s) => [s.start, s.end]);

describe('logSoftmax', () => {
  it('rows become log-probabilities: exp sums to 1, order kept, large logits stay finite', () => {
    const e = logSoftmax(Float32Array.from([1, 2, 3, 1000, 1001, 1002]), 2, 3);
    for (const row of [0, 1]) {
      const r = [...e.data.subarray(row * 3, row * 3 + 3)];
      expect(r.reduce((s, x) => s + Math.exp(x), 0)).toBeCloseTo(1, 6);
      expect(r[2]).toBeCloseTo(-0.4076, 4);
    }
  });
});

describe('trellis and backtrack (whisperx get_trellis / backtrack)', () => {
  it('a character owns the frame it is emitted on and the blanks after it, up to the next character', () => {
    // frames:      0123456
    expect(spansOf('-a--b--', 'ab')).toEqual([[1, 4], [4, 5]]);
  });

  it('the last character ends where the last column scores best (trailing blanks are left out)', () => {
    expect(spansOf('--c-a-t----', 'cat')).toEqual([[2, 4], [4, 6], [6, 7]]);
  });

  it('the word separator is aligned like a letter', () => {
    expect(spansOf('-hi-|-yo-', 'hi|yo')).toEqual([[1, 2], [2, 4], [4, 6], [6, 7], [7, 8]]);
  });

  it('the path starts at the first token on its frame, never earlier', () => {
    const path = backtrack(getTrellis(emissionOf('---a-b'), ids('ab'), BLANK), emissionOf('---a-b'), ids('ab'), BLANK)!;
    expect(path.map((p) => [p.tokenIndex, p.timeIndex])).toEqual([[0, 3], [0, 4], [1, 5]]);
    // Scores are exp(log-prob) of the class taken on that frame: near 1 for peaked frames.
    for (const p of path) expect(p.score).toBeGreaterThan(0.99);
  });

  it('repeated letters: each "l" of "ll" gets its own frame, a blank between them is not required', () => {
    // whisperx's trellis (torchaudio tutorial) has no CTC "repeat" move: "stay" eats a blank,
    // "change" eats the next character, so two adjacent l-frames are the two l's.
    expect(spansOf('-all--', 'all')).toEqual([[1, 2], [2, 3], [3, 4]]);
    // With a blank between, the first l owns it.
    expect(spansOf('-al-l-', 'all')).toEqual([[1, 2], [2, 4], [4, 5]]);
    expect(spansOf('-a-cc-e-', 'acce')).toEqual([[1, 3], [3, 4], [4, 6], [6, 7]]);
  });

  it('more characters than frames cannot be aligned: null, as whisperx\'s backtrack returns None', () => {
    expect(alignTokens(emissionOf('-ab'), ids('abcdef'), BLANK)).toBeNull();
    expect(alignTokens(emissionOf('--'), [], BLANK)).toBeNull();
  });

  it('trellis: the first column is the cumulative blank score, the first row -inf past the start', () => {
    const e = emissionOf('-a-');
    const tr = getTrellis(e, ids('a'), BLANK);
    expect([tr.rows, tr.cols]).toEqual([4, 2]);
    expect(tr.data[0]).toBe(0);
    expect(tr.data[1]).toBe(-Infinity);
    expect(tr.data[2]).toBeCloseTo(e.data[0]!, 6);
    // trellis[-num_tokens:, 0] = inf: the last row's first cell.
    expect(tr.data[3 * 2]).toBe(Infinity);
  });
});

describe('wildcard column (recent whisperx get_wildcard_emission)', () => {
  it('holds the best non-blank score of each frame and comes last', () => {
    const e = emissionOf('-x-');
    const { emission, wildcardId } = withWildcardColumn(e, BLANK);
    expect(wildcardId).toBe(e.classes);
    expect(emission.classes).toBe(e.classes + 1);
    const x = dictionary.get('x')!;
    expect(emission.data[1 * emission.classes + wildcardId]).toBe(e.data[1 * e.classes + x]);
    // On a blank frame the wildcard is still a non-blank score, so it stays far below the blank.
    expect(emission.data[0 * emission.classes + wildcardId]).toBeLessThan(emission.data[0]! - 5);
  });

  it('an unknown character aligns on whatever non-blank frame sits between its neighbours', () => {
    const { emission, wildcardId } = withWildcardColumn(emissionOf('-a--*--b-'), BLANK);
    const spans = alignTokens(emission, [dictionary.get('a')!, wildcardId, dictionary.get('b')!], BLANK)!;
    expect(spans.map((s) => [s.start, s.end])).toEqual([[1, 4], [4, 7], [7, 8]]);
  });
});

describe('mergeRepeats', () => {
  it('joins consecutive points of one character; score is their mean probability', () => {
    const spans = mergeRepeats([
      { tokenIndex: 0, timeIndex: 2, score: 0.9 },
      { tokenIndex: 0, timeIndex: 3, score: 0.5 },
      { tokenIndex: 1, timeIndex: 4, score: 0.4 },
    ]);
    expect(spans).toEqual([
      { tokenIndex: 0, start: 2, end: 4, score: 0.7 },
      { tokenIndex: 1, start: 4, end: 5, score: 0.4 },
    ]);
  });
});
