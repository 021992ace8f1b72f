/**
 * Alert rules as config.yml declares them, with thresholds resolved against the `kpi:`
 * section, and the message templates filled in.
 */
import type { AlertCondition, AlertRuleConfig, Comparison, KpiName, ThresholdValue } from '../core/config/sections/alerts';
import type { kpiSection } from '../core/config/sections/profiles';
import type { z } from 'zod';

export type KpiConfig = z.output<typeof kpiSection>;
export type AlertRule = AlertRuleConfig;

export function kpiBound(kpi: KpiConfig, name: KpiName): { bound: 'max' | 'min'; value: number } {
  const entry = kpi[name] as { max?: number; min?: number };
  return entry.max !== undefined ? { bound: 'max', value: entry.max } : { bound: 'min', value: entry.min! };
}

export function resolveThreshold(v: ThresholdValue, kpi: KpiConfig): number {
  if (typeof v === 'number') return v;
  return kpiBound(kpi, v.kpi).value * v.factor;
}

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

function fmtDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
export { fmtDuration as formatDuration };

/** The condition in one line, thresholds resolved (GET /api/v1/monitoring/alerts/rules). */
export function describeCondition(c: AlertCondition, kpi: KpiConfig): string {
  switch (c.kind) {
    case 'threshold': {
      const sel = c.labels ? `{${Object.entries(c.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
      const agg = c.window ? `${c.aggregate}_over_${fmtDuration(c.window)}(${c.metric}${sel})` : `${c.metric}${sel}`;
      const clear = c.clear !== undefined ? ` (clears at ${resolveThreshold(c.clear, kpi)})` : '';
      return `${agg} ${c.op} ${resolveThreshold(c.value, kpi)}${clear}`;
    }
    case 'any_of':
      return c.conditions.map((x) => describeCondition(x, kpi)).join(' or ');
    case 'component_down':
      return `health component ${c.components ? c.components.join('|') : 'any'}${c.exclude.length ? ` except ${c.exclude.join(', ')}` : ''} down`;
    case 'leak_trend':
      return `${c.metrics.join(' or ')} rising ≥ ${c.min_slope_per_hour}/h over ${fmtDuration(c.window)} (R² ≥ ${c.min_r2}, all ${c.segments} parts rising)`;
    case 'degradation_trend':
      return `median ${c.metric} over ${fmtDuration(c.recent)} > ${c.ratio} × median of the ${fmtDuration(c.baseline)} before`;
    case 'config_changed':
      return `config.yml changed in the last ${fmtDuration(c.clear_after)}`;
    case 'maintenance_overdue':
      return 'a maintenance checklist is overdue';
    case 'system_error':
      return `${c.sources ? c.sources.join('|') : 'any'} system error in the last ${fmtDuration(c.clear_after)}`;
  }
}

/** `{name}` placeholders; unknown ones stay visible so a typo in config.yml shows up in the UI. */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (whole, name: string) => vars[name] ?? whole);
}
