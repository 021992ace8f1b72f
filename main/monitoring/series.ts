/**
 * The time series behind the charts and the alert rules: per series a fine ring (one point
 * per sample, an hour at 1 s) and a coarse ring (one averaged point per step, a day at
 * 1 min). The coarse ring is what survives a restart (see history.ts).
 */
export type Labels = Readonly<Record<string, string>>;

export interface SeriesPoint {
  t: number;
  v: number;
}

export interface SeriesWindow {
  name: string;
  labels: Labels;
  points: SeriesPoint[];
}

export interface LatestValue {
  name: string;
  labels: Labels;
  t: number;
  v: number;
}

/** A coarse point ready to be persisted. */
export interface CoarsePoint {
  key: string;
  name: string;
  labels: Labels;
  t: number;
  v: number;
}

export function seriesKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length ? `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}` : name;
}

export function labelsMatch(labels: Labels, filter: Labels | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([k, v]) => labels[k] === v);
}

/** Timestamps and values in typed arrays: an hour of 1 s points for ~100 series is ~6 MB. */
class PointRing {
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private next = 0;
  private size = 0;
  constructor(readonly capacity: number) {
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }
  push(t: number, v: number): void {
    this.ts[this.next] = t;
    this.vs[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }
  get length(): number {
    return this.size;
  }
  private at(i: number): SeriesPoint {
    const j = (this.next - this.size + i + this.capacity) % this.capacity;
    return { t: this.ts[j]!, v: this.vs[j]! };
  }
  first(): SeriesPoint | undefined {
    return this.size ? this.at(0) : undefined;
  }
  last(): SeriesPoint | undefined {
    return this.size ? this.at(this.size - 1) : undefined;
  }
  /** Points with from ≤ t < to, oldest first. */
  between(from: number, to: number): SeriesPoint[] {
    const out: SeriesPoint[] = [];
    for (let i = 0; i < this.size; i++) {
      const p = this.at(i);
      if (p.t >= from && p.t < to) out.push(p);
    }
    return out;
  }
}

interface Series {
  name: string;
  labels: Labels;
  fine: PointRing;
  coarse: PointRing;
  bucket: number;
  sum: number;
  count: number;
}

export interface SeriesStoreOptions {
  finePoints: number;
  coarseStepMs: number;
  coarsePoints: number;
}

export class SeriesStore {
  private readonly series = new Map<string, Series>();
  private readonly byName = new Map<string, Series[]>();
  private unsaved: CoarsePoint[] = [];

  constructor(readonly opts: SeriesStoreOptions) {}

  private get(name: string, labels: Labels): Series {
    const key = seriesKey(name, labels);
    let s = this.series.get(key);
    if (!s) {
      s = { name, labels: { ...labels }, fine: new PointRing(this.opts.finePoints), coarse: new PointRing(this.opts.coarsePoints), bucket: -1, sum: 0, count: 0 };
      this.series.set(key, s);
      const same = this.byName.get(name);
      if (same) same.push(s);
      else this.byName.set(name, [s]);
    }
    return s;
  }

  record(name: string, labels: Labels, v: number, t: number): void {
    if (!Number.isFinite(v)) return;
    const s = this.get(name, labels);
    s.fine.push(t, v);
    const bucket = Math.floor(t / this.opts.coarseStepMs);
    if (bucket !== s.bucket) {
      this.closeBucket(s);
      s.bucket = bucket;
    }
    s.sum += v;
    s.count++;
  }

  private closeBucket(s: Series): void {
    if (s.count === 0 || s.bucket < 0) return;
    const t = s.bucket * this.opts.coarseStepMs;
    const v = s.sum / s.count;
    s.coarse.push(t, v);
    this.unsaved.push({ key: seriesKey(s.name, s.labels), name: s.name, labels: s.labels, t, v });
    s.sum = 0;
    s.count = 0;
  }

  /** Coarse points closed since the last call (history.ts writes them to Redis). */
  drainCoarse(): CoarsePoint[] {
    const out = this.unsaved;
    this.unsaved = [];
    return out;
  }

  /** Puts points that could not be written back in front of the queue, keeping at most `max`. */
  requeue(points: CoarsePoint[], max: number): void {
    this.unsaved = [...points, ...this.unsaved].slice(-max);
  }

  /** Restores persisted coarse points (oldest first) after a restart. */
  loadCoarse(name: string, labels: Labels, points: SeriesPoint[]): void {
    const s = this.get(name, labels);
    for (const p of points) s.coarse.push(p.t, p.v);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** The newest value of every series of `name` no older than maxAgeMs. */
  latest(name: string, now: number, maxAgeMs: number, filter?: Labels): LatestValue[] {
    const out: LatestValue[] = [];
    for (const s of this.byName.get(name) ?? []) {
      if (!labelsMatch(s.labels, filter)) continue;
      const p = s.fine.last();
      if (p && now - p.t <= maxAgeMs) out.push({ name, labels: s.labels, t: p.t, v: p.v });
    }
    return out;
  }

  /** Every series' newest value no older than maxAgeMs (the live feed's snapshot). */
  allLatest(now: number, maxAgeMs: number): LatestValue[] {
    const out: LatestValue[] = [];
    for (const s of this.series.values()) {
      const p = s.fine.last();
      if (p && now - p.t <= maxAgeMs) out.push({ name: s.name, labels: s.labels, t: p.t, v: p.v });
    }
    return out;
  }

  /** Points in [from, to): fine points, with coarse ones where the fine ring does not reach (after a restart). */
  window(name: string, from: number, to: number, filter?: Labels): SeriesWindow[] {
    const out: SeriesWindow[] = [];
    for (const s of this.byName.get(name) ?? []) {
      if (!labelsMatch(s.labels, filter)) continue;
      const fineStart = s.fine.first()?.t ?? Number.POSITIVE_INFINITY;
      const points = [...s.coarse.between(from, Math.min(to, fineStart)), ...s.fine.between(Math.max(from, Math.min(fineStart, to)), to)];
      if (points.length) out.push({ name: s.name, labels: s.labels, points });
    }
    return out;
  }

  /** `window` reduced to at most maxPoints per series (time buckets, averaged) for charts. */
  query(name: string, from: number, to: number, maxPoints: number, filter?: Labels): SeriesWindow[] {
    return this.window(name, from, to, filter).map((w) => ({ ...w, points: downsample(w.points, from, to, maxPoints) }));
  }
}

export function downsample(points: SeriesPoint[], from: number, to: number, maxPoints: number): SeriesPoint[] {
  if (points.length <= maxPoints) return points;
  const width = (to - from) / maxPoints;
  const out: SeriesPoint[] = [];
  let bucket = -1;
  let sumT = 0;
  let sumV = 0;
  let n = 0;
  const flush = () => {
    if (n) out.push({ t: Math.round(sumT / n), v: sumV / n });
    sumT = sumV = n = 0;
  };
  for (const p of points) {
    const b = Math.floor((p.t - from) / width);
    if (b !== bucket) {
      flush();
      bucket = b;
    }
    sumT += p.t;
    sumV += p.v;
    n++;
  }
  flush();
  return out;
}
