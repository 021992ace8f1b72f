export { GpuLockManager, type AcquireOptions, type ForceReleaseRequest, type GpuLockManagerOptions } from './lockManager';
export type { GpuLease, GpuLockLostReason } from './lease';
export type { AuditEntry, AuditSink } from './audit';
export type { GpuEventEmitter, GpuEventType } from './events';
export { gpuLockSettings, gpuTelemetrySettings, type GpuLockSettings, type GpuTelemetrySettings } from './options';
export { GPU_LOCK_CHANNEL, gpuLockKey, gpuLockKeys, parseGpuLockKey } from './keys';
export { GpuTelemetrySampler, type GpuTelemetryOptions } from './telemetry/sampler';
export { parseComputeApps, parseGpuQuery } from './telemetry/nvidiaSmi';
