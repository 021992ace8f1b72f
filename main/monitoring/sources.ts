/**
 * What monitoring reads from the other wings. Each is an interface the owning module
 * provides (ctx.provide); monitoring looks them up at every sample, so module order does
 * not matter and a wing that is absent simply has no series.
 */
import type { GpuLockHealth, GpuTelemetrySample } from '../contract/gpu';
import type { EngineStatus } from '../contract/model';

/** The jobs wing's KPIs over its stats window; ratios are 0..1, null before any job finished. */
export interface JobStatsSnapshot {
  success_rate: number | null;
  error_rate: number | null;
  retry_rate: number | null;
  queue_depth: number;
  active?: number;
  seconds_per_audio_minute: number | null;
  batch_efficiency: number | null;
  completed: number;
  failed: number;
  retried?: number;
  /** How far back the rates look, in seconds. */
  window_s?: number;
}

export interface JobStatsSource {
  snapshot(): JobStatsSnapshot | Promise<JobStatsSnapshot>;
}

/** GPU telemetry (main/gpu/telemetry: GpuTelemetrySampler satisfies it). */
export interface GpuTelemetrySource {
  latest(): GpuTelemetrySample | null;
}

/** GPU locks (main/gpu: GpuLockManager satisfies it). */
export interface GpuLockHealthSource {
  health(): Promise<GpuLockHealth>;
}

export interface EngineStatusSource {
  status(): EngineStatus;
}

declare module '../core/module' {
  interface ConsoleServices {
    /** Provided by the jobs module: the KPIs of the manual's "business" metrics. */
    jobStats: JobStatsSource;
  }
}
