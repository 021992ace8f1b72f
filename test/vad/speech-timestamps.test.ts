import { describe, expect, it } from 'vitest';
import { vadSection } from '../../main/core/config/sections/audio';
import { sileroLoadArgs, speechTimestamps } from '../../main/inference/vad';

/** Probabilities from runs of [frames, probability]. */
function probs(...runs: Array<[number, number]>): Float32Array {
  const out: number[] = [];
  for (const [n, p] of runs) for (let i = 0; i < n; i++) out.push(p);
  return Float32Array.from(out);
}
const frames = (p: Float32Array) => p.length * 512;

// Frames are 512 samples (32 ms); the pad is 480 samples (30 ms); min silence 1600 (100 ms).
describe("silero's get_speech_timestamps, ported", () => {
  it('one run of speech: starts at its first frame, ends where silence began, padded by 30 ms', () => {
    const p = probs([10, 0], [40, 0.9], [20, 0]);
    expect(speechTimestamps(p, frames(p))).toEqual([{ start: 10 * 512 - 480, end: 50 * 512 + 480 }]);
  });

  it('drops speech shorter than 250 ms', () => {
    const p = probs([10, 0], [7, 0.9], [20, 0]); // 224 ms
    expect(speechTimestamps(p, frames(p))).toEqual([]);
  });

  it('bridges silences shorter than 100 ms', () => {
    const p = probs([10, 0], [20, 0.9], [3, 0], [17, 0.9], [20, 0]);
    expect(speechTimestamps(p, frames(p))).toEqual([{ start: 4640, end: 26080 }]);
  });

  it('stays in speech while the probability sits between the off (0.35) and on (0.5) thresholds', () => {
    const p = probs([10, 0], [20, 0.9], [10, 0.4], [10, 0.9], [20, 0]);
    expect(speechTimestamps(p, frames(p))).toEqual([{ start: 4640, end: 26080 }]);
  });

  it('ends speech below the off threshold, and pads both regions', () => {
    const p = probs([10, 0], [20, 0.9], [10, 0.3], [10, 0.9], [20, 0]);
    expect(speechTimestamps(p, frames(p))).toEqual([
      { start: 4640, end: 30 * 512 + 480 },
      { start: 40 * 512 - 480, end: 50 * 512 + 480 },
    ]);
  });

  it('speech running to the end stops at the audio length, padding clamped to it', () => {
    const p = probs([10, 0], [30, 0.9]);
    const n = frames(p) - 100;
    expect(speechTimestamps(p, n)).toEqual([{ start: 4640, end: n }]);
  });

  it('a threshold of exactly 0.5 counts as speech (>=)', () => {
    const p = probs([10, 0], [20, 0.5], [20, 0]);
    expect(speechTimestamps(p, frames(p))).toHaveLength(1);
  });

  it('with a maximum length, splits at a silence seen inside the region', () => {
    const p = probs([40, 0.9], [4, 0.1], [56, 0.9]);
    expect(speechTimestamps(p, frames(p))).toEqual([{ start: 0, end: 51200 }]);
    expect(speechTimestamps(p, frames(p), { maxSpeechDurationS: 2 })).toEqual([
      { start: 0, end: 40 * 512 + 480 },
      { start: 44 * 512 - 480, end: 51200 },
    ]);
  });

  it('with a maximum length and no silence, cuts hard so no region exceeds it', () => {
    const p = probs([300, 0.9]);
    const regions = speechTimestamps(p, frames(p), { maxSpeechDurationS: 2 });
    expect(regions.length).toBeGreaterThan(3);
    for (const r of regions) expect(r.end - r.start).toBeLessThanOrEqual(2 * 16000);
  });

  it('no frames, no regions', () => {
    expect(speechTimestamps(new Float32Array(0), 0)).toEqual([]);
  });
});

describe("config.yml's vad section", () => {
  it('maps onto SileroVad.load arguments', () => {
    expect(sileroLoadArgs(vadSection.parse({ threshold: 0.6, neg_threshold: 0.4 }))).toEqual({
      modelPath: undefined,
      options: { threshold: 0.6, negThreshold: 0.4, minSpeechDurationMs: 250, minSilenceDurationMs: 100, speechPadMs: 30 },
    });
  });
});
