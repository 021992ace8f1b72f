import { ApiError, type Transport } from '../transport';
import { mergeSamples } from '../views/gpu-view';
import { mergeJobList } from '../views/jobs-view';
import { chartWindowMs, onInvalidate, useConsole } from '.';
import type { ResourceKey, ResourceTypes } from './resources';

export function describeError(e: unknown): string {
  if (e instanceof ApiError) return e.hint ? `${e.message} — ${e.hint}` : e.message;
  return e instanceof Error ? e.message : String(e);
}

/** A route the contract declares but this server has not registered (its module is not wired). */
export function isMissingRoute(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && e.code === 'not_found' && e.message.startsWith('No route ');
}

/** Series the System panel charts and reads. */
export const systemSeries = ['system_memory_utilization_ratio', 'process_rss_bytes', 'redis_used_memory_bytes', 'redis_ping_seconds'];

/** How each resource is fetched. */
export function loaders(t: Transport): { [K in ResourceKey]: () => Promise<ResourceTypes[K]> } {
  const cur = () => useConsole.getState().res;
  return {
    model: () => t.call('modelInfo'),
    gpuSamples: async () => {
      const r = await t.call('gpuTelemetry', { query: { points: 450 } });
      return mergeSamples(cur().gpuSamples.data ?? [], r.series.length ? r.series : r.latest ? [r.latest] : [], chartWindowMs, Date.now());
    },
    gpuLock: () => t.call('gpuLockHealth'),
    jobs: async () => mergeJobList(cur().jobs.data ?? [], (await t.call('listTranscriptions', { query: { limit: 100 } })).jobs),
    workers: async () => (await t.call('listWorkers')).workers,
    stats: () => t.call('jobStats'),
    metrics: async () => (await t.call('monitoringMetrics', { query: { names: systemSeries.join(','), range: '15m', points: 450 } })).series,
    snapshot: async () => {
      const s = cur().snapshot.data;
      if (s) return s;
      throw new Error('waiting for the first metrics event');
    },
    kpis: async () => (await t.call('monitoringKpis')).kpis,
    alerts: async () => (await t.call('monitoringAlerts')).alerts,
    alertHistory: async () => (await t.call('alertHistory', { query: { page_size: 200 } })).items,
    checklists: async () => (await t.call('maintenanceChecklists')).checklists,
    maintenanceHistory: async () => (await t.call('maintenanceHistory', { query: { limit: 200 } })).runs,
    emergencyActions: async () => (await t.call('emergencyActions')).actions,
    audit: async () => (await t.call('auditLog', { query: { limit: 200 } })).entries,
  };
}

export interface Sync {
  refresh(key: ResourceKey): Promise<void>;
  refreshMany(keys: ResourceKey[]): Promise<void>;
  stop(): void;
}

/** What the dashboard keeps fresh by polling; pages refresh their own extras when shown. */
export const polledKeys: ResourceKey[] = ['gpuLock', 'jobs', 'workers', 'stats', 'kpis', 'alerts'];
export const initialKeys: ResourceKey[] = ['model', 'gpuSamples', 'metrics', 'emergencyActions', ...polledKeys];

/**
 * Fetches every resource once, then polls the live ones (events make most updates instant;
 * the poll heals missed events). A route the server lacks marks its panel "not offered".
 */
export function startSync(t: Transport, intervalMs = 5000): Sync {
  const load = loaders(t);
  const inflight = new Map<ResourceKey, Promise<void>>();
  const refresh = (key: ResourceKey): Promise<void> => {
    const running = inflight.get(key);
    if (running) return running;
    const p = (load[key]() as Promise<ResourceTypes[typeof key]>)
      .then((data) => useConsole.getState().setData(key, data))
      .catch((e: unknown) => useConsole.getState().setError(key, describeError(e), isMissingRoute(e)))
      .finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  };
  const refreshMany = async (keys: ResourceKey[]) => {
    await Promise.all(keys.map(refresh));
  };
  const pending = new Set<ResourceKey>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  onInvalidate((keys) => {
    for (const k of keys) pending.add(k);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      const keys = [...pending];
      pending.clear();
      void refreshMany(keys);
    }, 200);
  });

  void refreshMany(initialKeys);
  const poll = setInterval(() => {
    if (t.kind === 'http' && useConsole.getState().feed !== 'open') return;
    // A route this server lacks is asked again after a reconnect, not every few seconds.
    const res = useConsole.getState().res;
    void refreshMany(polledKeys.filter((k) => !res[k].unavailable));
  }, intervalMs);
  return {
    refresh,
    refreshMany,
    stop: () => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}
