import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration as `90s`, `5m`, `1h`, `7d` (or a number of seconds); parsed to milliseconds. */
export const duration = () =>
  z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration like "30s", "5m", "1h" or "7d"')]).transform((v) => {
    if (typeof v === 'number') return Math.round(v * 1_000);
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v)!;
    return Math.round(Number(m[1]) * units[m[2]!]!);
  });

/** Text in both UI languages. */
export const bilingual = z.object({ en: z.string().min(1), zh: z.string().min(1) }).strict();
export type Bilingual = z.infer<typeof bilingual>;

export const kpiNames = [
  'api_response_time_s',
  'success_rate',
  'gpu_utilization',
  'memory_utilization',
  'seconds_per_audio_minute',
  'batch_efficiency',
  'error_rate',
  'retry_rate',
] as const;
export type KpiName = (typeof kpiNames)[number];

/** A threshold: a number, or a KPI of the `kpi:` section (its max or min), optionally scaled. */
export const thresholdValue = z.union([
  z.number(),
  z.object({ kpi: z.enum(kpiNames), factor: z.number().positive().default(1) }).strict(),
]);
export type ThresholdValue = z.output<typeof thresholdValue>;

export const comparison = z.enum(['>', '>=', '<', '<=']);
export type Comparison = z.infer<typeof comparison>;

const labelFilter = z.record(z.string(), z.string()).optional();

export const thresholdCondition = z
  .object({
    kind: z.literal('threshold'),
    /** Series name (docs/monitoring.md); every label set of it is its own alert. */
    metric: z.string().min(1),
    /** Only series whose labels equal these. */
    labels: labelFilter,
    op: comparison,
    value: thresholdValue,
    /** Hysteresis: a firing alert resolves only once the value is back past this (default: `value`). */
    clear: thresholdValue.optional(),
    /** Reduce the last `window` of samples first (default: the latest sample). */
    window: duration().optional(),
    aggregate: z.enum(['last', 'avg', 'min', 'max']).default('last'),
  })
  .strict();

export const componentDownCondition = z
  .object({
    kind: z.literal('component_down'),
    /** Health components to watch; omitted = every component but `exclude`. */
    components: z.array(z.string()).optional(),
    exclude: z.array(z.string()).default([]),
  })
  .strict();

export const leakTrendCondition = z
  .object({
    kind: z.literal('leak_trend'),
    metrics: z.array(z.string().min(1)).min(1),
    /** The trend is fitted over this much history. */
    window: duration(),
    /** Fewer points than this (e.g. just after start) = no verdict. */
    min_points: z.number().int().min(8).default(60),
    /** Theil–Sen slope, in metric units per hour, that counts as a leak. */
    min_slope_per_hour: z.number().positive(),
    /** Fit quality of the trend line: a steady rise, not noise around a level. */
    min_r2: z.number().min(0).max(1).default(0.8),
    /** The window is cut into this many parts; each must rise (a one-off step rises in one part only). */
    segments: z.number().int().min(2).max(12).default(4),
  })
  .strict();

export const degradationTrendCondition = z
  .object({
    kind: z.literal('degradation_trend'),
    metric: z.string().min(1),
    /** Median of this recent stretch… */
    recent: duration(),
    /** …against the median of this longer stretch before it. */
    baseline: duration(),
    /** Fires when recent > baseline × ratio; resolves when recent ≤ baseline × clear_ratio. */
    ratio: z.number().gt(1),
    clear_ratio: z.number().positive().optional(),
    min_points: z.number().int().min(1).default(5),
  })
  .strict();

export const configChangedCondition = z
  .object({
    kind: z.literal('config_changed'),
    /** The notice resolves by itself this long after the last change. */
    clear_after: duration(),
  })
  .strict();

export const maintenanceOverdueCondition = z.object({ kind: z.literal('maintenance_overdue') }).strict();

export const systemErrorCondition = z
  .object({
    kind: z.literal('system_error'),
    /** Which sources count (uncaught_exception, engine_crash, worker_crash, …); omitted = all. */
    sources: z.array(z.string()).optional(),
    /** Resolves after this long without a new error from the same source. */
    clear_after: duration(),
  })
  .strict();

export const anyOfCondition = z
  .object({
    kind: z.literal('any_of'),
    /** Active when any holds for a label set; resolves when all have cleared. */
    conditions: z.array(thresholdCondition).min(2),
  })
  .strict();

export const alertCondition = z.discriminatedUnion('kind', [
  thresholdCondition,
  componentDownCondition,
  leakTrendCondition,
  degradationTrendCondition,
  configChangedCondition,
  maintenanceOverdueCondition,
  systemErrorCondition,
  anyOfCondition,
]);
export type AlertCondition = z.output<typeof alertCondition>;
export type ThresholdCondition = z.output<typeof thresholdCondition>;

export const severity = z.enum(['high', 'medium', 'low']);

export const alertRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lowercase id like "api_slow"'),
    severity,
    enabled: z.boolean().default(true),
    title: bilingual,
    /** `{value}`, `{threshold}`, `{for}`, `{detail}` and every label (`{path}`, `{component}`, …) are filled in. */
    message: bilingual,
    condition: alertCondition,
    /** The condition must hold this long before the alert fires (pending until then). */
    for: duration().default(0),
    /** The manual's runbook step the alert points to (e.g. "5.2 GPU exhausted"). */
    runbook: z.string().min(1).nullable().default(null),
    /** Emergency action id (maintenance) offered with the alert; null = none. */
    action: z.string().min(1).nullable().default(null),
  })
  .strict();
export type AlertRuleConfig = z.output<typeof alertRuleSchema>;

/** The `alerts` section of config.yml (docs/monitoring.md). */
export const alertsSection = z
  .object({
    enabled: z.boolean().default(true),
    /** Rules are evaluated this often (the injected clock drives it in tests). */
    evaluate_interval_ms: z.number().int().min(100).default(5_000),
    /** Resolved alerts kept in Redis (oldest dropped first). */
    history_max: z.number().int().min(10).max(1_000_000).default(10_000),
    /** Severities whose firing raises a desktop notification. */
    notify: z.array(severity).default(['high']),
    redis_prefix: z.string().min(1).default('wxc:alerts'),
    rules: z.array(alertRuleSchema).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate alert rule id "${r.id}"` });
      seen.add(r.id);
    });
  });

export type AlertsConfig = z.output<typeof alertsSection>;
