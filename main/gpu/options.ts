import { hostname } from 'node:os';
import type { GpuLockConfig, GpuTelemetryConfig } from '../core/config/sections/gpu';

/** The lock's timings with every default resolved (see config.yml `gpu.lock`). */
export interface GpuLockSettings {
  ttlMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  releaseStaleOnDeadPid: boolean;
  staleCheckIntervalMs: number;
  waiterRecheckMs: number;
  waiterTtlMs: number;
  acquireTimeoutMs: number;
  commandTimeoutMs: number;
  /** Identity of this host in holder records; pid liveness is only judged for holders with this host. */
  hostId: string;
}

export function gpuLockSettings(cfg: GpuLockConfig): GpuLockSettings {
  const heartbeatIntervalMs = cfg.heartbeat_interval_ms ?? Math.floor(cfg.ttl_ms / 3);
  return {
    ttlMs: cfg.ttl_ms,
    heartbeatIntervalMs,
    heartbeatTimeoutMs: cfg.heartbeat_timeout_ms ?? heartbeatIntervalMs,
    releaseStaleOnDeadPid: cfg.release_stale_on_dead_pid,
    staleCheckIntervalMs: cfg.stale_check_interval_ms ?? heartbeatIntervalMs,
    waiterRecheckMs: cfg.waiter_recheck_ms,
    waiterTtlMs: cfg.waiter_ttl_ms,
    acquireTimeoutMs: cfg.acquire_timeout_ms,
    commandTimeoutMs: cfg.command_timeout_ms,
    hostId: cfg.host_id ?? hostname(),
  };
}

export interface GpuTelemetrySettings {
  enabled: boolean;
  nvidiaSmiPath: string;
  intervalMs: number;
  timeoutMs: number;
  historySize: number;
  queryComputeApps: boolean;
}

export function gpuTelemetrySettings(cfg: GpuTelemetryConfig): GpuTelemetrySettings {
  return {
    enabled: cfg.enabled,
    nvidiaSmiPath: cfg.nvidia_smi_path,
    intervalMs: cfg.interval_ms,
    timeoutMs: cfg.timeout_ms,
    historySize: cfg.history_size,
    queryComputeApps: cfg.query_compute_apps,
  };
}
