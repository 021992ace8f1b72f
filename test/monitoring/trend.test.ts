import { describe, expect, it } from 'vitest';
import { seededRandom as rng } from '../../main/core/random';
import type { SeriesPoint } from '../../main/monitoring/series';
import { degradation, detectLeak, theilSen } from '../../main/monitoring/trend';

const MB = 1024 * 1024;
const HOUR = 3_600_000;

/** 30 minutes of 1 s RSS samples: value(t in hours) plus uniform noise of ±noiseMb. */
function rss(value: (hours: number) => number, noiseMb: number, seed = 1): SeriesPoint[] {
  const r = rng(seed);
  const t0 = 1_700_000_000_000;
  return Array.from({ length: 1800 }, (_, i) => ({ t: t0 + i * 1000, v: value((i * 1000) / HOUR) + (r() * 2 - 1) * noiseMb * MB }));
}

const leakRule = { minPoints: 60, minSlopePerHour: 50 * MB, minR2: 0.8, segments: 4 };

describe('memory leak detector (Theil–Sen trend over a window)', () => {
  it('flags a steady rise of 120 MB/h through noise', () => {
    const v = detectLeak(rss((h) => 300 * MB + 120 * MB * h, 8), leakRule);
    expect(v.leaking).toBe(true);
    expect(v.slopePerHour / MB).toBeGreaterThan(100);
    expect(v.slopePerHour / MB).toBeLessThan(140);
    expect(v.r2).toBeGreaterThan(0.8);
    expect(v.risingSegments).toBe(4);
  });

  it('ignores noise around a level', () => {
    const v = detectLeak(rss(() => 300 * MB, 40, 7), leakRule);
    expect(v.enoughData).toBe(true);
    expect(v.leaking).toBe(false);
  });

  it('ignores a one-off step (a cache filled once, a model loaded)', () => {
    for (const at of [0.3, 0.5, 0.7]) {
      const v = detectLeak(rss((h) => 300 * MB + (h >= at / 2 ? 200 * MB : 0), 5, 3), leakRule);
      expect(v.leaking, `step at ${at} of the window`).toBe(false);
    }
    // A step in the middle drags the pairwise slope up; the per-part test alone still rejects it.
    const centre = detectLeak(rss((h) => 300 * MB + (h >= 0.25 ? 200 * MB : 0), 5, 3), { ...leakRule, minR2: 0 });
    expect(centre.slopePerHour).toBeGreaterThan(leakRule.minSlopePerHour);
    expect(centre.leaking).toBe(false);
    expect(centre.risingSegments).toBeLessThan(4);
    expect(centre.reason).toMatch(/parts rising/);
  });

  it('ignores a garbage-collector sawtooth that does not grow', () => {
    const v = detectLeak(rss((h) => 200 * MB + (((h * 3600) % 60) / 60) * 60 * MB, 2), leakRule);
    expect(v.leaking).toBe(false);
  });

  it('ignores a rise slower than the configured rate', () => {
    const v = detectLeak(rss((h) => 300 * MB + 20 * MB * h, 1), leakRule);
    expect(v.leaking).toBe(false);
    expect(v.reason).toMatch(/below/);
  });

  it('gives no verdict on too little history', () => {
    const v = detectLeak(rss((h) => 300 * MB + 500 * MB * h, 0).slice(0, 30), leakRule);
    expect(v.enoughData).toBe(false);
    expect(v.leaking).toBe(false);
  });

  it('Theil–Sen shrugs off outliers that bend a least-squares fit', () => {
    const pts = Array.from({ length: 50 }, (_, i) => ({ t: i, v: 2 * i + (i % 10 === 0 ? 1000 : 0) }));
    expect(theilSen(pts).slope).toBeCloseTo(2, 5);
  });
});

describe('performance degradation trend', () => {
  const t0 = 1_700_000_000_000;
  const minutes = (n: number, v: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ t: t0 + i * 60_000, v: v(i) }));

  it('compares the recent median with the baseline before it', () => {
    // 23 h at 1.0 s per audio minute, then 1 h at 1.5
    const pts = minutes(24 * 60, (i) => (i < 23 * 60 ? 1.0 : 1.5));
    const d = degradation(pts, pts[pts.length - 1]!.t, HOUR, 23 * HOUR, 5);
    expect(d.enoughData).toBe(true);
    expect(d.baseline).toBeCloseTo(1.0);
    expect(d.recent).toBeCloseTo(1.5);
    expect(d.ratio).toBeCloseTo(1.5);
  });

  it('needs points on both sides', () => {
    const pts = minutes(30, () => 1);
    expect(degradation(pts, pts[29]!.t, HOUR, 23 * HOUR, 5).enoughData).toBe(false);
  });
});
