import { describe, expect, it } from 'vitest';
import { assignWordSpeakers } from '../../main/inference/diarize/assign';
import type { SpeakerTurn } from '../../main/inference/diarize/types';
import type { Transcript, Word } from '../../main/inference/types';

const t = (speaker: string, start: number, end: number): SpeakerTurn => ({ start, end, speaker });
const w = (word: string, start?: number, end?: number): Word => ({ word, ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) });

function transcript(words: Word[][], spans: Array<[number, number]>): Transcript {
  const segments = spans.map(([start, end], id) => ({ id, start, end, text: '', words: words[id]! }));
  return { language: 'en', duration: 40, segments, word_segments: segments.flatMap((s) => s.words) };
}

describe('assign_word_speakers (WhisperX)', () => {
  const turns = [t('SPEAKER_00', 0, 1), t('SPEAKER_01', 1, 2.6), t('SPEAKER_00', 2.6, 4.1), t('SPEAKER_01', 20, 30)];

  it('the speaker with the largest total overlap wins, summed over its turns', () => {
    // SPEAKER_00: 1 + 1.4 = 2.4 s; SPEAKER_01: 1.6 s in one turn (the longest single overlap).
    const tr = transcript([[w('a', 0.2, 0.8), w('b', 1.2, 2.9)]], [[0, 4]]);
    assignWordSpeakers(turns, tr);
    expect(tr.segments[0]!.speaker).toBe('SPEAKER_00');
    expect(tr.segments[0]!.words!.map((x) => x.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
  });

  it('no overlap: no speaker; fillNearest: the nearest turn\'s speaker', () => {
    const make = () => transcript([[w('gap', 5, 6), w('late', 17, 18)], [w('untimed')]], [[5, 18], [31, 32]]);
    const plain = assignWordSpeakers(turns, make());
    expect(plain.segments[0]!.speaker).toBeUndefined();
    expect(plain.segments[0]!.words!.map((x) => x.speaker)).toEqual([undefined, undefined]);
    expect(plain.segments[1]!.speaker).toBeUndefined();
    expect('speaker' in plain.segments[1]!).toBe(false);

    const filled = assignWordSpeakers(turns, make(), { fillNearest: true });
    // 'gap' is 0.9 s after SPEAKER_00's turn ending 4.1 and 14 s before SPEAKER_01's; 'late' 2 s before 20.
    expect(filled.segments[0]!.words!.map((x) => x.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
    expect(filled.segments[0]!.speaker).toBe('SPEAKER_00');
    expect(filled.segments[1]!.speaker).toBe('SPEAKER_01');
    // A word without times gets no speaker either way.
    expect(filled.segments[1]!.words![0]!.speaker).toBeUndefined();
  });

  it('a long turn that started long before still counts (turns sorted by start)', () => {
    const tr = transcript([[w('x', 50, 51)]], [[50, 51]]);
    assignWordSpeakers([t('S1', 0, 100), t('S0', 40, 45), t('S0', 60, 61)], tr);
    expect(tr.segments[0]!.words![0]!.speaker).toBe('S1');
  });

  it('updates the transcript in place, word_segments included, and replaces old speakers', () => {
    const tr = transcript([[w('a', 0.2, 0.8)]], [[0.2, 0.8]]);
    tr.word_segments!.push({ ...w('extra', 25, 26), speaker: 'OLD' });
    tr.segments[0]!.speaker = 'OLD';
    const out = assignWordSpeakers(turns, tr);
    expect(out).toBe(tr);
    expect(tr.word_segments!.map((x) => x.speaker)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
    expect(tr.segments[0]!.speaker).toBe('SPEAKER_00');
    assignWordSpeakers([], tr);
    expect(tr.segments[0]!.speaker).toBeUndefined();
  });
});
