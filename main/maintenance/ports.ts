/**
 * What maintenance needs from services other modules publish. Each is looked up by name
 * when used (so module order does not matter) and only if it has the methods below, so a
 * colleague's richer service fits without either side importing the other.
 */
import type { GpuLockHealth, GpuTelemetrySample, ReleaseLockResult } from '../contract/gpu';
import type { EngineStatus } from '../contract/model';
import type { ServerContext } from '../core/module';
import type { AudioBuffer16k, Transcript } from '../inference/types';

/** Results store index (main/jobs): every stored result's files with the checksum recorded at write time. */
export interface ResultsIndex {
  entries(): AsyncIterable<{ jobId: string; files: { path: string; sha256: string }[] }>;
}

declare module '../core/module' {
  interface ConsoleServices {
    resultsIndex: ResultsIndex;
  }
}

/** The inference engine (main/inference/engine WhisperEngine fits as is). */
export interface EnginePort {
  status(): EngineStatus;
  load(): Promise<void>;
  /** Releases the sessions and terminates the worker thread. */
  unload(): Promise<void>;
  transcribe(input: string | AudioBuffer16k, req?: { vad?: boolean; language?: string | null; withoutTimestamps?: boolean; decoding?: { temperatures?: number[] } }): Promise<{ transcript: Transcript; timings: { total_ms: number } }>;
}

/** The diarization stage (issue 10), once it exists. */
export interface DiarizationPort {
  restart(): Promise<unknown>;
  unload?(): Promise<void>;
  status?(): unknown;
}

/** GPU lock manager (main/gpu GpuLockManager fits as is). */
export interface GpuLocksPort {
  forceRelease(req: { lockKey: string; actor: string; reason?: string }): Promise<ReleaseLockResult>;
  health(): Promise<GpuLockHealth>;
  /** The benchmark holds the GPU like a job does, so it never runs beside one on the same card. */
  acquire?(opts: { device?: number; timeoutMs?: number; jobId?: string }): Promise<{ release(): Promise<boolean> }>;
}

/** GPU telemetry (main/gpu GpuTelemetrySampler fits as is). */
export interface GpuTelemetryPort {
  latest(): GpuTelemetrySample | null;
}

/** One open alert as the alert-status check reads it. */
export interface OpenAlert {
  id: string;
  severity: string;
  state: string;
  rule?: string;
  rule_id?: string;
  title?: unknown;
  message?: unknown;
}

/** Alerts (main/alerts): open alerts, and the maintenance-reminder feed. */
export interface AlertsPort {
  current?(): Promise<OpenAlert[] | { alerts: OpenAlert[] }> | OpenAlert[] | { alerts: OpenAlert[] };
  /** Raise or clear the low-priority "maintenance reminder" for one checklist. */
  maintenanceOverdue?(input: { checklist: string; overdue: boolean; detail: string; due_at: string; overdue_items: string[] }): Promise<unknown> | unknown;
}

/** Job statistics (main/jobs): arrivals and completions over a window, for capacity planning. */
export interface JobStatsPort {
  throughput(windowMs: number): Promise<{ arrived: number; completed: number; failed?: number }>;
}

/** The HTTP server's own restart, if the composition root offers one (see docs/maintenance.md). */
export interface ApiRestartPort {
  restart(): Promise<unknown>;
}

/** Service names maintenance looks up, and the methods each must have. */
export const portNames = {
  engine: { name: 'engine', methods: ['status', 'load', 'unload', 'transcribe'] },
  diarization: { name: 'diarization', methods: ['restart'] },
  gpuLocks: { name: 'gpuLocks', methods: ['forceRelease', 'health'] },
  gpuTelemetry: { name: 'gpuTelemetry', methods: ['latest'] },
  alerts: { name: 'alerts', methods: [] },
  resultsIndex: { name: 'resultsIndex', methods: ['entries'] },
  jobStats: { name: 'jobStats', methods: ['throughput'] },
  apiRestart: { name: 'apiRestart', methods: ['restart'] },
} as const;

export interface Ports {
  engine(): EnginePort | undefined;
  diarization(): DiarizationPort | undefined;
  gpuLocks(): GpuLocksPort | undefined;
  gpuTelemetry(): GpuTelemetryPort | undefined;
  alerts(): AlertsPort | undefined;
  resultsIndex(): ResultsIndex | undefined;
  jobStats(): JobStatsPort | undefined;
  apiRestart(): ApiRestartPort | undefined;
}

type Lookup = (name: string) => unknown;

function lookup<T>(optional: Lookup, spec: { name: string; methods: readonly string[] }): T | undefined {
  const svc = optional(spec.name);
  if (!svc || typeof svc !== 'object') return undefined;
  return spec.methods.every((m) => typeof (svc as Record<string, unknown>)[m] === 'function') ? (svc as T) : undefined;
}

export function portsFrom(ctx: Pick<ServerContext, 'optional'>): Ports {
  const optional: Lookup = (name) => (ctx.optional as unknown as Lookup).call(ctx, name);
  return {
    engine: () => lookup(optional, portNames.engine),
    diarization: () => lookup(optional, portNames.diarization),
    gpuLocks: () => lookup(optional, portNames.gpuLocks),
    gpuTelemetry: () => lookup(optional, portNames.gpuTelemetry),
    alerts: () => lookup(optional, portNames.alerts),
    resultsIndex: () => lookup(optional, portNames.resultsIndex),
    jobStats: () => lookup(optional, portNames.jobStats),
    apiRestart: () => lookup(optional, portNames.apiRestart),
  };
}
