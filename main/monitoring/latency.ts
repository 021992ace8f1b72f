/**
 * Response-time percentiles per route over a sliding window, from log-spaced buckets (4%
 * wide, 0.1 ms … 1000 s): constant memory and cost at any request rate, quantiles within
 * one bucket of the exact value.
 */
const MIN_S = 1e-4;
const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(1000 / MIN_S) / LOG_GROWTH) + 1;

function bucketOf(seconds: number): number {
  if (seconds <= MIN_S) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(seconds / MIN_S) / LOG_GROWTH));
}

/** Upper edge of a bucket, in seconds. */
function bucketUpper(i: number): number {
  return MIN_S * GROWTH ** i;
}

interface Slot {
  epoch: number;
  counts: Uint32Array;
  n: number;
}

export interface RouteLatency {
  route: string;
  count: number;
  rate_per_s: number;
  p50_s: number;
  p95_s: number;
  p99_s: number;
}

export const ALL_ROUTES = 'all';

export class LatencyWindow {
  private readonly slotMs: number;
  private readonly slotCount: number;
  private readonly routes = new Map<string, Slot[]>();

  constructor(readonly windowMs: number, slots = 12) {
    this.slotCount = slots;
    this.slotMs = Math.max(1, Math.ceil(windowMs / slots));
  }

  record(route: string, seconds: number, now: number): void {
    this.add(route, seconds, now);
    this.add(ALL_ROUTES, seconds, now);
  }

  private add(route: string, seconds: number, now: number): void {
    let slots = this.routes.get(route);
    if (!slots) {
      slots = Array.from({ length: this.slotCount }, () => ({ epoch: -1, counts: new Uint32Array(BUCKETS), n: 0 }));
      this.routes.set(route, slots);
    }
    const epoch = Math.floor(now / this.slotMs);
    const slot = slots[epoch % this.slotCount]!;
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.counts.fill(0);
      slot.n = 0;
    }
    slot.counts[bucketOf(seconds)]!++;
    slot.n++;
  }

  /** Percentiles of every route with requests in the window ("all" = every route together). */
  snapshot(now: number): RouteLatency[] {
    const current = Math.floor(now / this.slotMs);
    const out: RouteLatency[] = [];
    for (const [route, slots] of this.routes) {
      const merged = new Float64Array(BUCKETS);
      let n = 0;
      for (const s of slots) {
        if (s.epoch < 0 || current - s.epoch >= this.slotCount) continue;
        n += s.n;
        for (let i = 0; i < BUCKETS; i++) merged[i]! += s.counts[i]!;
      }
      if (n === 0) continue;
      const q = (p: number) => {
        const rank = Math.max(1, Math.ceil(p * n));
        let acc = 0;
        for (let i = 0; i < BUCKETS; i++) {
          acc += merged[i]!;
          if (acc >= rank) return bucketUpper(i);
        }
        return bucketUpper(BUCKETS - 1);
      };
      out.push({ route, count: n, rate_per_s: n / (this.windowMs / 1000), p50_s: q(0.5), p95_s: q(0.95), p99_s: q(0.99) });
    }
    return out;
  }
}
