import { describe, expect, it } from 'vitest';
import { alignSegments, alignTranscript, cleanText, interpolateNearest, round3, type UnalignedReason } from '../../main/inference/align';
import type { AudioBuffer16k, Segment } from '../../main/inference/types';
import { dictionary, scriptedAligner } from './emissions';

const audio = (seconds: number, offset = 0): AudioBuffer16k => ({ sampleRate: 16000, samples: new Float32Array(Math.round(seconds * 16000)), offset });
const seg = (id: number, start: number, end: number, text: string, extra: Partial<Segment> = {}): Segment => ({ id, start, end, text, ...extra });
const times = (s: Segment) => s.words!.map((w) => [w.word, w.start, w.end]);

describe('alignSegments: words at known frames', () => {
  it('word start/end are frame × (duration / frames) + segment start, rounded to ms', async () => {
    // 20 frames over 1.0 s → 50 ms a frame. "hi" on frames 2-3, "|" on 5, "yo" on 8 and 10.
    const aligner = scriptedAligner(['--hi-|--y-o---------']);
    const { segments, word_segments } = await alignSegments([seg(0, 3, 4, ' Hi yo')], audio(10), aligner, { language: 'en' });
    // "hi": h at frame 2 → 3.1; i owns frames 3-4 → ends 3.25. "yo": y at 8 → 3.4, o on 10 → ends 3.55.
    expect(times(segments[0]!)).toEqual([['Hi', 3.1, 3.25], ['yo', 3.4, 3.55]]);
    expect(segments[0]!.start).toBe(3.1);
    expect(segments[0]!.end).toBe(3.55);
    expect(segments[0]!.text).toBe(' Hi yo');
    expect(segments[0]!.words!.every((w) => w.score! > 0.99 && w.score! <= 1)).toBe(true);
    expect(word_segments.map((w) => w.word)).toEqual(['Hi', 'yo']);
  });

  it('the ratio uses the segment duration, not the frame rate of the model', async () => {
    // 8 frames for a 2 s segment: 250 ms a frame.
    const aligner = scriptedAligner(['-ab-----']);
    const { segments } = await alignSegments([seg(0, 1, 3, 'ab')], audio(5), aligner, { language: 'en' });
    expect(times(segments[0]!)).toEqual([['ab', 1.25, 1.75]]);
  });

  it('cuts the segment\'s samples from the buffer, which starts at audio.offset', async () => {
    const buf = audio(10, 100);
    buf.samples.forEach((_, i) => (buf.samples[i] = i));
    const aligner = scriptedAligner(['-a-']);
    await alignSegments([seg(0, 102.5, 103.25, 'a')], buf, aligner, { language: 'en' });
    expect(aligner.slices[0]!.length).toBe(12000);
    expect(aligner.slices[0]![0]).toBe(40000);
  });

  it('keeps the segment\'s other fields (id, speaker, tokens)', async () => {
    const { segments } = await alignSegments([seg(7, 0, 1, 'a', { speaker: 'SPEAKER_01', tokens: [1, 2] })], audio(2), scriptedAligner(['-a-']), { language: 'en' });
    expect(segments[0]).toMatchObject({ id: 7, speaker: 'SPEAKER_01', tokens: [1, 2] });
  });

  it('repeated letters: "all" with two adjacent l-frames', async () => {
    const { segments } = await alignSegments([seg(0, 0, 0.6, 'all')], audio(1), scriptedAligner(['-all--']), { language: 'en' });
    expect(times(segments[0]!)).toEqual([['all', 0.1, 0.4]]);
  });

  it('ja: every character is a word', async () => {
    const jaDict = new Map([['<pad>', 0], ['a', 1], ['b', 2]]);
    const aligner = { ...scriptedAligner([]), dictionary: jaDict, logits: async () => ({ data: Float32Array.from([8, 0, 0, 0, 8, 0, 8, 0, 0, 0, 0, 8]), frames: 4, classes: 3 }) };
    const { segments } = await alignSegments([seg(0, 0, 0.4, 'ab')], audio(1), aligner, { language: 'ja' });
    expect(times(segments[0]!)).toEqual([['a', 0.1, 0.3], ['b', 0.3, 0.4]]);
  });
});

describe('characters the model does not know', () => {
  it('wildcard (default): a digit aligns on the non-blank frame between its neighbours and times its word', async () => {
    const aligner = scriptedAligner(['-a-|-*-|-b--']);
    const { segments } = await alignSegments([seg(0, 0, 1.2, 'a 7 b')], audio(2), aligner, { language: 'en' });
    expect(times(segments[0]!)).toEqual([['a', 0.1, 0.3], ['7', 0.5, 0.7], ['b', 0.9, 1.0]]);
  });

  it('skip: a word with no aligned character takes the times of the nearest timed word (ties: the earlier one)', async () => {
    // "a 7 8 b": 7 is one word from a and two from b → a's times; 8 is nearer b.
    const aligner = scriptedAligner(['-a-|-|-|-b--']);
    const { segments } = await alignSegments([seg(0, 0, 1.2, 'a 7 8 b')], audio(2), aligner, { language: 'en', unknownChars: 'skip' });
    const [a, seven, eight, b] = segments[0]!.words!;
    expect(times(segments[0]!)).toEqual([['a', 0.1, 0.3], ['7', 0.1, 0.3], ['8', 0.9, 1.0], ['b', 0.9, 1.0]]);
    // Interpolated words have no score of their own.
    expect(seven!.score).toBeUndefined();
    expect(eight!.score).toBeUndefined();
    expect(a!.score).toBeDefined();
    expect(b!.score).toBeDefined();
  });

  it('cleanText keeps dictionary characters lower-cased, spaces as "|", drops surrounding whitespace', () => {
    expect(cleanText('  Hi, yo! ', dictionary, 'en')).toEqual({ chars: ['h', 'i', ',', '|', 'y', 'o', '!'], index: [2, 3, 4, 5, 6, 7, 8], hasUnknown: true });
    expect(cleanText('  Hi, yo! ', dictionary, 'en', 'skip')).toEqual({ chars: ['h', 'i', '|', 'y', 'o'], index: [2, 3, 5, 6, 7], hasUnknown: false });
  });
});

describe('segments that cannot be aligned keep their text and times', () => {
  const cases: Array<[string, Segment, string[], UnalignedReason | null]> = [
    ['no alignable character (a space alone does not count)', seg(0, 1, 2, ' 42 % ', { speaker: 'SPEAKER_00' }), ['42', '%'], 'no_alignable_characters'],
    ['empty text', seg(0, 1, 2, ''), [], 'no_alignable_characters'],
    ['starts after the audio ends', seg(0, 30, 31, 'ab'), ['ab'], 'outside_audio'],
    ['more characters than frames', seg(0, 1, 1.1, 'abcdefgh'), ['abcdefgh'], 'backtrack_failed'],
  ];
  for (const [name, segment, words, reason] of cases) {
    it(name, async () => {
      const seen: UnalignedReason[] = [];
      const { segments, word_segments } = await alignSegments([segment], audio(10), scriptedAligner(['-a-']), {
        language: 'en',
        unknownChars: 'skip',
        onUnaligned: (_s, r) => seen.push(r),
      });
      expect(segments[0]).toEqual({ ...segment, words: words.map((word) => ({ word })) });
      expect(word_segments).toEqual(words.map((word) => ({ word })));
      expect(seen).toEqual([reason]);
    });
  }
});

describe('a buffer that is part of the file', () => {
  it('a segment that ends before the buffer starts is left as it is', async () => {
    const seen: UnalignedReason[] = [];
    const aligner = scriptedAligner(['-a-']);
    const { segments } = await alignSegments([seg(0, 1, 2, 'a')], audio(5, 10), aligner, { language: 'en', onUnaligned: (_s, r) => seen.push(r) });
    expect(segments[0]).toEqual({ ...seg(0, 1, 2, 'a'), words: [{ word: 'a' }] });
    expect(seen).toEqual(['outside_audio']);
    expect(aligner.slices).toHaveLength(0);
  });
});

describe('the stage', () => {
  it('honours an AbortSignal between segments', async () => {
    const ctl = new AbortController();
    const aligner = scriptedAligner(['-a-', '-a-', '-a-']);
    const run = alignSegments([seg(0, 0, 1, 'a'), seg(1, 1, 2, 'a'), seg(2, 2, 3, 'a')], audio(5), aligner, {
      language: 'en',
      signal: ctl.signal,
      onProgress: (done) => done === 1 && ctl.abort(new Error('cancelled by operator')),
    });
    await expect(run).rejects.toThrow('cancelled by operator');
    expect(aligner.slices).toHaveLength(1);
  });

  it('alignTranscript fills segments[].words and word_segments in order', async () => {
    const t = { language: 'en', duration: 3, segments: [seg(0, 0, 1, 'a b'), seg(1, 1, 2, 'c')] };
    const out = await alignTranscript(t, audio(3), scriptedAligner(['-a|b-', '-c-']));
    expect(out.word_segments!.map((w) => [w.word, w.start])).toEqual([['a', 0.2], ['b', 0.6], ['c', 1.333]]);
    expect(out.duration).toBe(3);
  });
});

describe('helpers', () => {
  it('interpolateNearest: nearest present value by position, ties to the earlier, ends filled', () => {
    expect(interpolateNearest([null, 1, null, null, 4, null])).toEqual([1, 1, 1, 4, 4, 4]);
    expect(interpolateNearest([null, null])).toEqual([null, null]);
    expect(interpolateNearest([null, 2, null])).toEqual([2, 2, 2]);
    // Half way between two: the earlier (scipy's "nearest" rounds half down).
    expect(interpolateNearest([1, null, 3])).toEqual([1, 1, 3]);
    expect(interpolateNearest([1, null, null, null, 5])).toEqual([1, 1, 1, 5, 5]);
  });

  it('round3 is Python\'s round(x, 3), halves to even', () => {
    expect(round3(0.0625)).toBe(0.062);
    expect(round3(0.1875)).toBe(0.188);
    expect(round3(1.2344999)).toBe(1.234);
    expect(round3(2.0006)).toBe(2.001);
    expect(round3(0.1 * 3)).toBe(0.3);
  });
});
