import { z } from 'zod';
import { route } from './route';

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** "15m", "1h", "24h", "7d" or a number of seconds. */
export const rangeSeconds = z.union([z.coerce.number().positive(), z.string().regex(/^\d+(\.\d+)?[smhd]$/, 'a range like "15m", "1h" or "1d"')]).transform((v) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(v)!;
  return Number(m[1]) * durationUnits[m[2]!]!;
});

const nameList = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []));

export const metricsQuery = z.object({
  /** Comma-separated series names (docs/monitoring.md); empty = list what exists. */
  names: nameList,
  range: rangeSeconds.default(3_600),
  /** Most points per series (averaged time buckets). */
  points: z.coerce.number().int().min(2).max(5_000).default(300),
});

export const metricLabels = z.record(z.string(), z.string());

export const metricSeries = z.object({
  name: z.string(),
  labels: metricLabels,
  unit: z.string(),
  /** [epoch ms, value], oldest first. */
  points: z.array(z.tuple([z.number(), z.number()])),
});
export type MetricSeries = z.infer<typeof metricSeries>;

export const metricsResponse = z.object({
  from: z.string(),
  to: z.string(),
  range_s: z.number(),
  series: z.array(metricSeries),
  /** Every series name with data, for pickers. */
  available: z.array(z.string()),
});
export type MetricsResponse = z.infer<typeof metricsResponse>;

export const kpiState = z.enum(['ok', 'warn', 'alert', 'unknown']);
export type KpiState = z.infer<typeof kpiState>;

export const kpiEntry = z.object({
  /** Key of the kpi section of config.yml. */
  key: z.string(),
  label: z.object({ en: z.string(), zh: z.string() }),
  value: z.number().nullable(),
  unit: z.string(),
  /** Value as shown (e.g. "320 ms", "97.5%"). */
  display: z.string().nullable(),
  /** The manual's target: value must stay below `max` or above `min`. */
  threshold: z.object({ bound: z.enum(['max', 'min']), value: z.number() }),
  /** Series the KPI is read from. */
  metric: z.string(),
  /** ok: meets the target; warn: misses it; alert: an alert on this metric is open; unknown: no data yet. */
  state: kpiState,
  alert_ids: z.array(z.string()),
});
export type KpiEntry = z.infer<typeof kpiEntry>;

export const kpisResponse = z.object({ timestamp: z.string(), kpis: z.array(kpiEntry) });
export type KpisResponse = z.infer<typeof kpisResponse>;

export const metricsSnapshot = z.object({
  timestamp: z.string(),
  kpis: z.array(kpiEntry),
  values: z.array(z.object({ name: z.string(), labels: metricLabels, value: z.number() })),
});
export type MetricsSnapshot = z.infer<typeof metricsSnapshot>;

declare module './events' {
  interface LiveEventMap {
    /** Latest value of every series and the eight KPIs (every monitoring.publish_interval_ms). */
    metrics: MetricsSnapshot;
  }
}

export const monitoringRoutes = {
  monitoringMetrics: route({
    method: 'GET',
    path: '/api/v1/monitoring/metrics',
    auth: false,
    summary: 'Time series by name over a range (1 s points for the last hour, 1 min points for the day, kept across restarts).',
    query: metricsQuery,
    response: metricsResponse,
  }),
  monitoringKpis: route({
    method: 'GET',
    path: '/api/v1/monitoring/kpis',
    auth: false,
    summary: "The manual's eight key metrics: value, threshold and state ok/warn/alert.",
    response: kpisResponse,
  }),
  prometheusMetrics: route({
    method: 'GET',
    path: '/metrics',
    auth: false,
    summary: 'Prometheus text exposition (whisperx_* series, API latency histogram, KPIs, Node.js process metrics).',
    response: z.string(),
    kind: 'text',
  }),
} as const;
