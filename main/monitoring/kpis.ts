/**
 * The manual's eight key metrics (§3): where each is read from, its target from the `kpi:`
 * section, and its state — ok (meets the target), warn (misses it), alert (an alert on
 * the same series is open), unknown (no data yet, e.g. no job finished or no GPU).
 */
import type { AlertRecord } from '../contract/alerts';
import type { KpiEntry, KpiState } from '../contract/monitoring';
import type { KpiName } from '../core/config/sections/alerts';
import { kpiBound, type KpiConfig } from '../alerts/rules';
import { formatMetricValue, metricByName } from './catalog';
import type { Labels, LatestValue } from './series';

interface KpiDef {
  key: KpiName;
  metric: string;
  labels?: Labels;
  label: { en: string; zh: string };
}

export const kpiDefs: readonly KpiDef[] = [
  { key: 'api_response_time_s', metric: 'api_request_duration_p95_seconds', labels: { route: 'all' }, label: { en: 'API response time (p95)', zh: 'API 响应时间（p95）' } },
  { key: 'success_rate', metric: 'jobs_success_ratio', label: { en: 'Success rate', zh: '成功率' } },
  { key: 'gpu_utilization', metric: 'gpu_utilization_ratio', label: { en: 'GPU utilisation', zh: 'GPU 使用率' } },
  { key: 'memory_utilization', metric: 'system_memory_utilization_ratio', label: { en: 'Memory utilisation', zh: '内存使用率' } },
  { key: 'seconds_per_audio_minute', metric: 'jobs_seconds_per_audio_minute', label: { en: 'Processing speed', zh: '音频处理速度' } },
  { key: 'batch_efficiency', metric: 'jobs_batch_efficiency_ratio', label: { en: 'Batch efficiency', zh: '批处理效率' } },
  { key: 'error_rate', metric: 'jobs_error_ratio', label: { en: 'Error rate', zh: '错误率' } },
  { key: 'retry_rate', metric: 'jobs_retry_ratio', label: { en: 'Retry rate', zh: '重试率' } },
];

export interface KpiInputs {
  kpi: KpiConfig;
  /** Latest values of a series (fresh only). */
  latest: (metric: string, labels?: Labels) => LatestValue[];
  /** Open (non-pending) alerts of rules over a series. */
  openAlerts: (metric: string) => AlertRecord[];
}

export function computeKpis(x: KpiInputs): KpiEntry[] {
  return kpiDefs.map((d) => {
    const threshold = kpiBound(x.kpi, d.key);
    const values = x.latest(d.metric, d.labels).map((l) => l.v);
    // Several GPUs: the busiest one is the one that matters.
    const value = values.length === 0 ? null : threshold.bound === 'max' ? Math.max(...values) : Math.min(...values);
    const alerts = x.openAlerts(d.metric);
    const misses = value !== null && (threshold.bound === 'max' ? value >= threshold.value : value <= threshold.value);
    const state: KpiState = alerts.length ? 'alert' : value === null ? 'unknown' : misses ? 'warn' : 'ok';
    const unit = metricByName.get(d.metric)?.unit ?? 'count';
    return {
      key: d.key,
      label: d.label,
      value,
      unit,
      display: value === null ? null : formatMetricValue(value, unit),
      threshold,
      metric: d.metric,
      state,
      alert_ids: alerts.map((a) => a.id),
    };
  });
}
