import type { DiskPathStatus, HealthReport, MetricSeries, MetricsSnapshot } from '../../../main/contract';
import type { Tone } from '../health-view';

export interface DiskRow {
  name: string;
  path: string;
  freeBytes: number;
  totalBytes: number;
  freePercent: number;
  tone: Tone;
}

/** Disk free per data path, from the health report's disk component. */
export function diskRows(health: HealthReport | null): DiskRow[] {
  const paths = (health?.components.disk?.details as { paths?: DiskPathStatus[] } | undefined)?.paths;
  if (!Array.isArray(paths)) return [];
  return paths.map((p) => ({
    name: p.name,
    path: p.path,
    freeBytes: p.free_bytes,
    totalBytes: p.total_bytes,
    freePercent: p.free_percent,
    tone: p.status === 'up' ? 'ok' : p.status === 'degraded' ? 'warn' : 'alert',
  }));
}

export interface RedisView {
  up: boolean | null;
  latencyMs: number | null;
  usedMemoryBytes: number | null;
  message: string;
}

export function redisView(health: HealthReport | null, latest: Partial<Record<string, number>>): RedisView {
  const c = health?.components.redis;
  const ping = latest['redis_ping_seconds'];
  return {
    up: c ? c.status !== 'down' : null,
    latencyMs: c?.latency_ms ?? (ping != null ? ping * 1000 : null),
    usedMemoryBytes: latest['redis_used_memory_bytes'] ?? null,
    message: c?.message ?? '',
  };
}

export interface SystemPoint {
  t: number;
  memPercent: number | null;
  rssMiB: number | null;
}

/** Memory % and RSS on one time axis (points joined by timestamp). */
export function systemPoints(series: MetricSeries[]): SystemPoint[] {
  const mem = series.find((s) => s.name === 'system_memory_utilization_ratio');
  const rss = series.find((s) => s.name === 'process_rss_bytes');
  const byT = new Map<number, SystemPoint>();
  const at = (t: number) => {
    let p = byT.get(t);
    if (!p) byT.set(t, (p = { t, memPercent: null, rssMiB: null }));
    return p;
  };
  for (const [t, v] of mem?.points ?? []) at(t).memPercent = v * 100;
  for (const [t, v] of rss?.points ?? []) at(t).rssMiB = v / (1024 * 1024);
  return [...byT.values()].sort((a, b) => a.t - b.t);
}

export const seriesKey = (name: string, labels: Record<string, string>) => {
  const l = Object.entries(labels);
  return l.length ? `${name}{${l.map(([k, v]) => `${k}=${v}`).join(',')}}` : name;
};

/** The latest value of each series, keyed "name" (unlabelled) or "name{k=v}". */
export function latestValues(series: MetricSeries[]): Partial<Record<string, number>> {
  const out: Partial<Record<string, number>> = {};
  for (const s of series) {
    const last = s.points.at(-1);
    if (last) out[seriesKey(s.name, s.labels)] = last[1];
  }
  return out;
}

/** A live snapshot extends the charted series by one point each, trimmed to the window. */
export function appendSnapshot(series: MetricSeries[], snap: MetricsSnapshot, windowMs: number): MetricSeries[] {
  const t = Date.parse(snap.timestamp);
  if (!Number.isFinite(t)) return series;
  const byKey = new Map(snap.values.map((v) => [seriesKey(v.name, v.labels), v.value]));
  return series.map((s) => {
    const v = byKey.get(seriesKey(s.name, s.labels));
    if (v == null || (s.points.at(-1)?.[0] ?? 0) >= t) return s;
    return { ...s, points: [...s.points.filter(([pt]) => pt >= t - windowMs), [t, v] as [number, number]] };
  });
}

export function snapshotValues(snap: MetricsSnapshot | null): Partial<Record<string, number>> {
  const out: Partial<Record<string, number>> = {};
  for (const v of snap?.values ?? []) out[seriesKey(v.name, v.labels)] = v.value;
  return out;
}
