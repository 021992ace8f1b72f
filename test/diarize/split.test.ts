import { describe, expect, it } from 'vitest';
import { splitSegmentsBySpeaker } from '../../main/inference/diarize/split';
import type { Transcript } from '../../main/inference/types';

const w = (word: string, start: number, end: number, speaker?: string) => ({ word, start, end, score: 0.9, ...(speaker ? { speaker } : {}) });

const t: Transcript = {
  language: 'en',
  duration: 10,
  segments: [
    { id: 0, start: 0.5, end: 6, text: ' gpu lock redis queue', tokens: [1, 2, 3], avg_logprob: -0.2, speaker: 'SPEAKER_00', words: [w('gpu', 0.5, 0.9, 'SPEAKER_00'), w('lock', 1, 1.4, 'SPEAKER_00'), w('redis', 3, 3.5, 'SPEAKER_01'), w('queue', 3.6, 6, 'SPEAKER_01')] },
    { id: 1, start: 7, end: 8, text: ' done', speaker: 'SPEAKER_01', words: [w('done', 7, 8, 'SPEAKER_01')] },
  ],
};

describe('splitSegmentsBySpeaker', () => {
  it('cuts a segment where its words change speaker, one part per turn, ids renumbered', () => {
    const r = splitSegmentsBySpeaker(t);
    expect(r.segments.map((s) => [s.id, s.start, s.end, s.text, s.speaker])).toEqual([
      [0, 0.5, 1.4, ' gpu lock', 'SPEAKER_00'],
      [1, 3, 6, ' redis queue', 'SPEAKER_01'],
      [2, 7, 8, ' done', 'SPEAKER_01'],
    ]);
    expect(r.segments[0]).not.toHaveProperty('tokens');
    expect(r.segments[0]!.avg_logprob).toBe(-0.2);
    expect(r.segments[2]).toBe(t.segments[1]);
  });

  it('a word without a speaker stays with its neighbours; no words, no split', () => {
    const one: Transcript = { ...t, segments: [{ id: 0, start: 0, end: 3, text: ' a b c', words: [w('a', 0, 1, 'S0'), w('b', 1, 2), w('c', 2, 3, 'S0')] }, { id: 1, start: 4, end: 5, text: ' x' }] };
    expect(splitSegmentsBySpeaker(one).segments).toEqual(one.segments);
  });

  it('joins words without spaces for Chinese', () => {
    const zh: Transcript = { language: 'zh', duration: 2, segments: [{ id: 0, start: 0, end: 2, text: '你好吗', words: [w('你', 0, 0.5, 'A'), w('好', 0.5, 1, 'A'), w('吗', 1, 2, 'B')] }] };
    expect(splitSegmentsBySpeaker(zh).segments.map((s) => s.text)).toEqual(['你好', '吗']);
  });
});
