/**
 * Trend tests for the "memory leak detected" and "performance degradation trend" alerts.
 * A leak is a steady rise: a robust (Theil–Sen) slope above a rate, a line that explains
 * the data (R²), and a rise in every part of the window — so noise around a level and a
 * one-off step (a cache filled once, a model loaded) are not leaks.
 */
import type { SeriesPoint } from './series';

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median of the pairwise slopes, and the median intercept (robust to outliers and steps at the ends). */
export function theilSen(points: SeriesPoint[]): { slope: number; intercept: number } {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.t - points[i]!.t;
      if (dt > 0) slopes.push((points[j]!.v - points[i]!.v) / dt);
    }
  }
  const slope = slopes.length ? median(slopes) : 0;
  const intercept = median(points.map((p) => p.v - slope * p.t));
  return { slope, intercept };
}

export function rSquared(points: SeriesPoint[], slope: number, intercept: number): number {
  const mean = points.reduce((a, p) => a + p.v, 0) / points.length;
  let ssTot = 0;
  let ssRes = 0;
  for (const p of points) {
    ssTot += (p.v - mean) ** 2;
    ssRes += (p.v - (slope * p.t + intercept)) ** 2;
  }
  return ssTot === 0 ? 0 : Math.max(0, 1 - ssRes / ssTot);
}

/** Medians of equal time buckets: keeps the pairwise fit cheap on an hour of 1 s samples. */
export function bucketMedians(points: SeriesPoint[], buckets: number): SeriesPoint[] {
  if (points.length <= buckets) return points;
  const from = points[0]!.t;
  const width = (points[points.length - 1]!.t - from) / buckets || 1;
  const groups: SeriesPoint[][] = Array.from({ length: buckets }, () => []);
  for (const p of points) groups[Math.min(buckets - 1, Math.floor((p.t - from) / width))]!.push(p);
  return groups.filter((g) => g.length).map((g) => ({ t: median(g.map((p) => p.t)), v: median(g.map((p) => p.v)) }));
}

export interface LeakOptions {
  minPoints: number;
  /** Units per hour. */
  minSlopePerHour: number;
  minR2: number;
  segments: number;
}

export interface LeakVerdict {
  leaking: boolean;
  /** null: too few points for a verdict. */
  enoughData: boolean;
  slopePerHour: number;
  r2: number;
  risingSegments: number;
  segments: number;
  points: number;
  reason: string;
}

const HOUR = 3_600_000;

export function detectLeak(raw: SeriesPoint[], o: LeakOptions): LeakVerdict {
  const base = { slopePerHour: 0, r2: 0, risingSegments: 0, segments: o.segments, points: raw.length };
  if (raw.length < o.minPoints) return { ...base, leaking: false, enoughData: false, reason: `${raw.length} of ${o.minPoints} points` };
  const pts = bucketMedians(raw, 120);
  const { slope, intercept } = theilSen(pts);
  const slopePerHour = slope * HOUR;
  const r2 = rSquared(pts, slope, intercept);
  // Each part must rise at half the leak rate or more: a step lifts only the part it is in.
  const from = pts[0]!.t;
  const span = pts[pts.length - 1]!.t - from || 1;
  let rising = 0;
  for (let k = 0; k < o.segments; k++) {
    const part = pts.filter((p) => {
      const x = (p.t - from) / span;
      return x >= k / o.segments && (k === o.segments - 1 ? x <= 1 : x < (k + 1) / o.segments);
    });
    if (part.length >= 2 && theilSen(part).slope * HOUR >= o.minSlopePerHour / 2) rising++;
  }
  const leaking = slopePerHour >= o.minSlopePerHour && r2 >= o.minR2 && rising === o.segments;
  const reason = leaking
    ? `rising ${slopePerHour.toFixed(0)}/h, R² ${r2.toFixed(2)}, all ${o.segments} parts rising`
    : slopePerHour < o.minSlopePerHour
      ? `slope ${slopePerHour.toFixed(0)}/h below ${o.minSlopePerHour}/h`
      : r2 < o.minR2
        ? `R² ${r2.toFixed(2)} below ${o.minR2} (noise, not a trend)`
        : `only ${rising} of ${o.segments} parts rising (a one-off step, not a steady rise)`;
  return { leaking, enoughData: true, slopePerHour, r2, risingSegments: rising, segments: o.segments, points: raw.length, reason };
}

export interface DegradationVerdict {
  enoughData: boolean;
  recent: number;
  baseline: number;
  ratio: number;
}

/** Median of the recent stretch against the median of the baseline stretch before it. */
export function degradation(points: SeriesPoint[], now: number, recentMs: number, baselineMs: number, minPoints: number): DegradationVerdict {
  const recentFrom = now - recentMs;
  const recentPts = points.filter((p) => p.t >= recentFrom && p.t <= now).map((p) => p.v);
  const basePts = points.filter((p) => p.t >= recentFrom - baselineMs && p.t < recentFrom).map((p) => p.v);
  if (recentPts.length < minPoints || basePts.length < minPoints) return { enoughData: false, recent: Number.NaN, baseline: Number.NaN, ratio: Number.NaN };
  const recent = median(recentPts);
  const baseline = median(basePts);
  return { enoughData: true, recent, baseline, ratio: baseline > 0 ? recent / baseline : Number.POSITIVE_INFINITY };
}
