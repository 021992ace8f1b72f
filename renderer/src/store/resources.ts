import type { StateCreator } from 'zustand';
import type {
  AlertRecord,
  AuditEntryView,
  ChecklistView,
  EmergencyActionView,
  FleetWorker,
  GpuLockHealth,
  GpuTelemetrySample,
  JobStatsSnapshot,
  KpiEntry,
  MaintenanceRun,
  MetricSeries,
  MetricsSnapshot,
  ModelInfo,
  TranscriptionJob,
} from '../../../main/contract';

/** What every panel needs to tell loading, empty, error and "not in this server yet" apart. */
export interface Resource<T> {
  data: T | null;
  error: string | null;
  /** The server has no route for it yet (a backend still being built). */
  unavailable: boolean;
  loading: boolean;
}

export interface ResourceTypes {
  model: ModelInfo;
  gpuSamples: GpuTelemetrySample[];
  gpuLock: GpuLockHealth;
  jobs: TranscriptionJob[];
  workers: FleetWorker[];
  stats: JobStatsSnapshot;
  metrics: MetricSeries[];
  /** The latest `metrics` event (every series' value and the KPIs). */
  snapshot: MetricsSnapshot;
  kpis: KpiEntry[];
  alerts: AlertRecord[];
  alertHistory: AlertRecord[];
  checklists: ChecklistView[];
  maintenanceHistory: MaintenanceRun[];
  emergencyActions: EmergencyActionView[];
  audit: AuditEntryView[];
}
export type ResourceKey = keyof ResourceTypes;

export type Resources = { [K in ResourceKey]: Resource<ResourceTypes[K]> };

const empty = <T>(): Resource<T> => ({ data: null, error: null, unavailable: false, loading: true });

export interface ResourcesSlice {
  res: Resources;
  setData<K extends ResourceKey>(key: K, data: ResourceTypes[K]): void;
  /** Functional update of live-merged data (job events, telemetry samples). */
  updateData<K extends ResourceKey>(key: K, fn: (current: ResourceTypes[K] | null) => ResourceTypes[K]): void;
  setError(key: ResourceKey, error: string | null, unavailable?: boolean): void;
}

export const createResourcesSlice: StateCreator<ResourcesSlice, [], [], ResourcesSlice> = (set) => ({
  res: {
    model: empty(),
    gpuSamples: empty(),
    gpuLock: empty(),
    jobs: empty(),
    workers: empty(),
    stats: empty(),
    metrics: empty(),
    snapshot: empty(),
    kpis: empty(),
    alerts: empty(),
    alertHistory: empty(),
    checklists: empty(),
    maintenanceHistory: empty(),
    emergencyActions: empty(),
    audit: empty(),
  },
  setData: (key, data) => set((s) => ({ res: { ...s.res, [key]: { data, error: null, unavailable: false, loading: false } } })),
  updateData: (key, fn) =>
    set((s) => ({ res: { ...s.res, [key]: { ...s.res[key], data: fn(s.res[key].data as never), loading: false } } })),
  setError: (key, error, unavailable = false) =>
    set((s) => ({ res: { ...s.res, [key]: { ...s.res[key], error, unavailable, loading: false } } })),
});
