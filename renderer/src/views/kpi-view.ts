import type { GpuTelemetrySample, JobStatsSnapshot, KpiEntry, KpiState } from '../../../main/contract';
import type { Tone } from '../health-view';
import type { LocalText } from './format';

export const kpiIds = [
  'api_response_time_s',
  'success_rate',
  'gpu_utilization',
  'memory_utilization',
  'seconds_per_audio_minute',
  'batch_efficiency',
  'error_rate',
  'retry_rate',
] as const;
export type KpiId = (typeof kpiIds)[number];

export interface KpiThreshold {
  bound: 'max' | 'min';
  value: number;
}

/** The manual's §3 thresholds (config.yml `kpi`), used until the monitoring service answers. */
export const defaultThresholds: Record<KpiId, KpiThreshold> = {
  api_response_time_s: { bound: 'max', value: 1.0 },
  success_rate: { bound: 'min', value: 0.95 },
  gpu_utilization: { bound: 'max', value: 0.9 },
  memory_utilization: { bound: 'max', value: 0.85 },
  seconds_per_audio_minute: { bound: 'max', value: 2.0 },
  batch_efficiency: { bound: 'min', value: 0.8 },
  error_rate: { bound: 'max', value: 0.05 },
  retry_rate: { bound: 'max', value: 0.1 },
};

export const kpiUnits: Record<KpiId, string> = {
  api_response_time_s: 'seconds',
  success_rate: 'ratio',
  gpu_utilization: 'ratio',
  memory_utilization: 'ratio',
  seconds_per_audio_minute: 's_per_audio_min',
  batch_efficiency: 'ratio',
  error_rate: 'ratio',
  retry_rate: 'ratio',
};

export interface KpiRow {
  id: string;
  /** The server's {en, zh} label; null = the UI's own name for the id. */
  label: LocalText;
  value: number | null;
  /** The server's formatted value, when it gave one. */
  display: string | null;
  unit: string;
  threshold: KpiThreshold;
  state: KpiState;
  tone: Tone;
}

/** The monitoring service's rule: ok meets the target, warn misses it (alert = an alert is open). */
export function kpiState(value: number | null, t: KpiThreshold): KpiState {
  if (value == null || !Number.isFinite(value)) return 'unknown';
  return (t.bound === 'max' ? value < t.value : value > t.value) ? 'ok' : 'warn';
}

export interface KpiInputs {
  /** KPIs as the monitoring service reports them (used whenever present). */
  server: KpiEntry[] | null;
  stats: JobStatsSnapshot | null;
  gpu: GpuTelemetrySample | null;
}

function localValue(id: KpiId, i: KpiInputs): number | null {
  const s = i.stats;
  switch (id) {
    case 'api_response_time_s':
    case 'memory_utilization':
      return null;
    case 'gpu_utilization': {
      const utils = (i.gpu?.gpus ?? []).map((g) => g.utilization_percent).filter((u): u is number => u != null);
      return utils.length ? Math.max(...utils) / 100 : null;
    }
    case 'success_rate':
      return s?.success_rate ?? null;
    case 'seconds_per_audio_minute':
      return s?.seconds_per_audio_minute ?? null;
    case 'batch_efficiency':
      return s?.batch_efficiency ?? null;
    case 'error_rate':
      return s?.error_rate ?? null;
    case 'retry_rate':
      return s?.retry_rate ?? null;
  }
}

/** The eight KPIs in the manual's order, each with its limit and state. */
export function kpiRows(i: KpiInputs): KpiRow[] {
  if (i.server && i.server.length > 0) {
    return i.server.map((k) => ({ id: k.key, label: k.label, value: k.value, display: k.display, unit: k.unit, threshold: k.threshold, state: k.state, tone: k.state }));
  }
  return kpiIds.map((id) => {
    const value = localValue(id, i);
    const state = kpiState(value, defaultThresholds[id]);
    return { id, label: null, value, display: null, unit: kpiUnits[id], threshold: defaultThresholds[id], state, tone: state };
  });
}
