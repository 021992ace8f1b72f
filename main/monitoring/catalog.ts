/**
 * Every series the samplers record: name (Prometheus style; exported as `whisperx_<name>`),
 * unit, labels and help. docs/monitoring.md lists the same table.
 */
export type MetricUnit = 'bytes' | 'ratio' | 'seconds' | 'count' | 'load' | 'bool' | 'timestamp' | 's_per_audio_min';

export interface MetricDef {
  name: string;
  unit: MetricUnit;
  labels: readonly string[];
  help: string;
  /** false: chart/alert series only (e.g. latency quantiles: Prometheus gets the histogram itself). */
  prometheus?: boolean;
}

const m = (name: string, unit: MetricUnit, help: string, labels: readonly string[] = [], prometheus = true): MetricDef => ({ name, unit, labels, help, prometheus });

export const metricCatalog: readonly MetricDef[] = [
  m('system_memory_total_bytes', 'bytes', 'Physical memory (free -h "total")'),
  m('system_memory_used_bytes', 'bytes', 'Memory in use: total minus available (free -h "used")'),
  m('system_memory_available_bytes', 'bytes', 'Memory available to new work without swapping (free -h "available")'),
  m('system_memory_utilization_ratio', 'ratio', 'used / total (KPI: memory utilisation < 85%)'),
  m('system_cpu_utilization_ratio', 'ratio', 'Busy share of all CPU cores since the previous sample'),
  m('system_load1', 'load', '1-minute load average'),
  m('system_cpu_count', 'count', 'Logical CPU cores'),
  m('process_rss_bytes', 'bytes', 'Resident memory of the console process'),
  m('process_heap_used_bytes', 'bytes', 'V8 heap in use'),
  m('process_heap_total_bytes', 'bytes', 'V8 heap reserved'),
  m('process_cpu_utilization_ratio', 'ratio', 'CPU time of this process per wall second, per core'),
  m('disk_free_bytes', 'bytes', 'Free space of the file system holding each data path (df -h "Avail")', ['path']),
  m('disk_total_bytes', 'bytes', 'Size of that file system (df -h "Size")', ['path']),
  m('disk_free_ratio', 'ratio', 'free / total per data path', ['path']),
  m('redis_up', 'bool', '1 when Redis answers PING'),
  m('redis_ping_seconds', 'seconds', 'PING round trip'),
  m('redis_used_memory_bytes', 'bytes', 'INFO used_memory'),
  m('redis_connected_clients', 'count', 'INFO connected_clients'),
  m('redis_aof_enabled', 'bool', 'INFO aof_enabled'),
  m('redis_aof_last_write_ok', 'bool', '1 when INFO aof_last_write_status is ok'),
  m('redis_rdb_last_bgsave_ok', 'bool', '1 when INFO rdb_last_bgsave_status is ok'),
  m('redis_rdb_changes_since_last_save', 'count', 'INFO rdb_changes_since_last_save'),
  m('redis_rdb_last_save_timestamp_seconds', 'timestamp', 'INFO rdb_last_save_time (last successful RDB save)'),
  m('api_request_duration_p50_seconds', 'seconds', 'Median response time per route over the latency window (route="all": every route)', ['route'], false),
  m('api_request_duration_p95_seconds', 'seconds', '95th percentile response time per route (KPI: API response time < 1 s)', ['route'], false),
  m('api_request_duration_p99_seconds', 'seconds', '99th percentile response time per route', ['route'], false),
  m('api_requests_per_second', 'count', 'Requests per second per route over the latency window', ['route'], false),
  m('gpu_utilization_ratio', 'ratio', 'nvidia-smi utilization.gpu (KPI: GPU utilisation < 90%)', ['gpu']),
  m('gpu_memory_used_bytes', 'bytes', 'nvidia-smi memory.used', ['gpu']),
  m('gpu_memory_total_bytes', 'bytes', 'nvidia-smi memory.total', ['gpu']),
  m('gpu_memory_utilization_ratio', 'ratio', 'memory.used / memory.total', ['gpu']),
  m('gpu_temperature_celsius', 'count', 'nvidia-smi temperature.gpu', ['gpu']),
  m('gpu_lock_held', 'bool', '1 while the GPU lock has a holder', ['lock']),
  m('gpu_lock_waiters', 'count', 'Jobs queued for the GPU lock', ['lock']),
  m('gpu_lock_head_wait_seconds', 'seconds', 'How long the first waiter has waited (0 without waiters)', ['lock']),
  m('jobs_success_ratio', 'ratio', 'Completed / finished jobs (KPI: success rate > 95%)'),
  m('jobs_error_ratio', 'ratio', 'Failed / finished jobs (KPI: error rate < 5%)'),
  m('jobs_retry_ratio', 'ratio', 'Retried attempts / attempts (KPI: retry rate < 10%)'),
  m('jobs_queue_depth', 'count', 'Jobs waiting in the queue'),
  m('jobs_active', 'count', 'Jobs being processed'),
  m('jobs_seconds_per_audio_minute', 's_per_audio_min', 'Processing seconds per minute of audio (KPI: < 2 s)'),
  m('jobs_batch_efficiency_ratio', 'ratio', 'Useful share of batch slots (KPI: batch efficiency > 80%)'),
  m('jobs_completed', 'count', 'Jobs completed in the stats window'),
  m('jobs_failed', 'count', 'Jobs failed in the stats window'),
  m('engine_model_loaded', 'bool', '1 when the inference model is loaded (ready or busy)'),
  m('engine_execution_provider_info', 'bool', '1 for the execution provider in use', ['provider']),
  m('component_up', 'bool', '1 when the health component is up or degraded', ['component']),
];

export const metricByName = new Map(metricCatalog.map((d) => [d.name, d]));

/** A value with its unit, the way the alert messages and the KPI panel show it. */
export function formatMetricValue(value: number, unit: MetricUnit | undefined): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'bytes': {
      const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let v = Math.abs(value);
      let i = 0;
      while (v >= 1024 && i < u.length - 1) {
        v /= 1024;
        i++;
      }
      return `${value < 0 ? '-' : ''}${v.toFixed(v >= 10 || i === 0 ? 0 : 1)} ${u[i]}`;
    }
    case 'ratio':
      return `${(value * 100).toFixed(1)}%`;
    case 'seconds':
      return value < 1 ? `${(value * 1000).toFixed(0)} ms` : `${value.toFixed(value < 10 ? 2 : 0)} s`;
    case 's_per_audio_min':
      return `${value.toFixed(2)} s/min`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
}
