import { describe, expect, it } from 'vitest';
import { aggregateActivity, binarize, mapLocalSpeakers, scoresToTurns, type WindowActivity } from '../../main/inference/diarize/reconstruct';

const noMin = { onset: 0.5, offset: 0.5, minDurationOn: 0, minDurationOff: 0 };

/** [frames][local] activity from one 0/1 string per local speaker. */
function window(start: number, mapping: number[], ...rows: string[]): WindowActivity {
  const numFrames = rows[0]!.length;
  const numLocal = rows.length;
  const activity = new Uint8Array(numFrames * numLocal);
  rows.forEach((r, s) => [...r].forEach((c, i) => (activity[i * numLocal + s] = c === '1' ? 1 : 0)));
  return { start, activity, numFrames, numLocal, mapping };
}

describe('local → global speakers (constrained assignment)', () => {
  it('two local speakers closest to the same cluster do not share it', () => {
    expect(Array.from(mapLocalSpeakers([[0.9, 0.1], [0.8, 0.3], null]))).toEqual([0, 1, -1]);
  });

  it('more local speakers than clusters: the best assignment, the rest dropped', () => {
    // 0→0 and 2→1 (1.7) beat any assignment that keeps local speaker 1.
    expect(Array.from(mapLocalSpeakers([[0.9, 0.2], [0.5, 0.4], [0.1, 0.8]]))).toEqual([0, -1, 1]);
  });

  it('no embeddings: nobody mapped', () => {
    expect(Array.from(mapLocalSpeakers([null, null, null]))).toEqual([-1, -1, -1]);
  });
});

describe('aggregation over overlapping windows', () => {
  const grid = { step: 1, duration: 1 };

  it('averages each global speaker over the windows covering a frame, whatever the local order', () => {
    // Window 2 lists the speakers the other way round; its mapping undoes that.
    const a = window(0, [0, 1], '1111', '0011');
    const b = window(2, [1, 0], '1100', '1111');
    const { scores, numFrames } = aggregateActivity([a, b], 2, grid);
    expect(numFrames).toBe(6);
    const col = (k: number) => Array.from({ length: numFrames }, (_, j) => scores[j * 2 + k]);
    expect(col(0)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(col(1)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('windows that disagree give the share of windows that heard the speaker; dropped locals count as silence', () => {
    const a = window(0, [0, -1], '1111', '1111');
    const b = window(1, [0, -1], '0000', '1111');
    const { scores } = aggregateActivity([a, b], 1, grid);
    expect(Array.from(scores)).toEqual([1, 0.5, 0.5, 0.5, 0]);
  });

  it('a window starts at the frame nearest its start time on the shared grid', () => {
    const { numFrames, scores } = aggregateActivity([window(0.26, [0], '11')], 1, { step: 0.1, duration: 0.2 });
    // round(0.26 / 0.1) = 3
    expect(numFrames).toBe(5);
    expect(Array.from(scores)).toEqual([0, 0, 0, 1, 1]);
  });
});

describe('binarization (onset / offset hysteresis, min on / off)', () => {
  const times = Array.from({ length: 7 }, (_, i) => i / 10);
  const scores = [0.2, 0.6, 0.45, 0.45, 0.3, 0.7, 0.2];
  const round = (spans: Array<{ start: number; end: number }>) => spans.map((s) => [+s.start.toFixed(6), +s.end.toFixed(6)]);

  it('starts above onset, ends below offset', () => {
    expect(round(binarize(scores, times, { ...noMin, onset: 0.5, offset: 0.4 }))).toEqual([[0.1, 0.4], [0.5, 0.6]]);
    // Without hysteresis the dip to 0.45 ends the first turn.
    expect(round(binarize(scores, times, noMin))).toEqual([[0.1, 0.2], [0.5, 0.6]]);
  });

  it('fills gaps shorter than min off, then drops turns shorter than min on', () => {
    const base = { ...noMin, onset: 0.5, offset: 0.4 };
    expect(round(binarize(scores, times, { ...base, minDurationOff: 0.15 }))).toEqual([[0.1, 0.6]]);
    expect(round(binarize(scores, times, { ...base, minDurationOn: 0.2 }))).toEqual([[0.1, 0.4]]);
    // Filling first keeps the joined turn that each piece alone would not survive.
    expect(round(binarize(scores, times, { ...base, minDurationOff: 0.15, minDurationOn: 0.35 }))).toEqual([[0.1, 0.6]]);
    expect(round(binarize(scores, times, { ...base, minDurationOn: 0.35 }))).toEqual([]);
  });

  it('a turn still open at the end closes at the last frame', () => {
    expect(round(binarize([0.9, 0.9, 0.9], [0, 0.1, 0.2], noMin))).toEqual([[0, 0.2]]);
  });
});

describe('scores → speaker turns', () => {
  it('frame times from the grid and origin, clipped to the audio, speakers named by first turn', () => {
    // Global speaker 1 talks first, so it is SPEAKER_00.
    const frames = ['0011111100', '1110000000'];
    const scores = new Float32Array(20);
    frames.forEach((f, k) => [...f].forEach((c, j) => (scores[j * 2 + k] = +c)));
    const turns = scoresToTurns(scores, 10, 2, { step: 1, duration: 1 }, { ...noMin, origin: 100, duration: 8 });
    // Frame j is centred at 100 + j + 0.5.
    expect(turns).toEqual([
      { start: 100.5, end: 103.5, speaker: 'SPEAKER_00' },
      { start: 102.5, end: 108, speaker: 'SPEAKER_01' },
    ]);
  });
});
