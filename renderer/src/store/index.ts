import { create } from 'zustand';
import type { AlertNotification, LiveEvent } from '../../../main/contract';
import { applyAlertTransition } from '../views/alerts-view';
import { mergeSamples } from '../views/gpu-view';
import { applyProgress, upsertJob } from '../views/jobs-view';
import { appendSnapshot } from '../views/system-view';
import { createConnectionSlice, type ConnectionSlice } from './connection';
import { createHealthSlice, type HealthSlice } from './health';
import { createResourcesSlice, type ResourceKey, type ResourcesSlice } from './resources';

export type ConsoleState = ConnectionSlice & HealthSlice & ResourcesSlice;

/** One store built from slices; transports push into it through applyEvent. */
export const useConsole = create<ConsoleState>()((...a) => ({
  ...createConnectionSlice(...a),
  ...createHealthSlice(...a),
  ...createResourcesSlice(...a),
}));

/** Charts keep the last 15 minutes. */
export const chartWindowMs = 15 * 60_000;

/** Lists an event invalidates (refetched, debounced, by the sync). */
let invalidate: (keys: ResourceKey[]) => void = () => undefined;
export function onInvalidate(fn: (keys: ResourceKey[]) => void): void {
  invalidate = fn;
}

let notifier: ((n: AlertNotification) => void) | null = null;
/** Browser sessions show high-priority alerts as desktop notifications (Electron's main process does its own). */
export function onAlertNotification(fn: ((n: AlertNotification) => void) | null): void {
  notifier = fn;
}
function notify(n: AlertNotification): void {
  notifier?.(n);
}

/** Routes a live event to the slice it belongs to. */
export function applyEvent(e: LiveEvent): void {
  const s = useConsole.getState();
  s.markSeen();
  switch (e.type) {
    case 'health':
      s.setHealth(e.data);
      break;
    case 'config.changed':
      invalidate(['model']);
      break;
    case 'gpu.telemetry':
      s.updateData('gpuSamples', (cur) => mergeSamples(cur ?? [], [e.data], chartWindowMs, Date.parse(e.data.timestamp) || Date.now()));
      break;
    case 'gpu.lock.health':
      s.setData('gpuLock', e.data);
      break;
    case 'gpu.lock':
      invalidate(['gpuLock']);
      break;
    case 'job.updated':
      s.updateData('jobs', (cur) => upsertJob(cur ?? [], e.data));
      if (e.data.state !== 'queued') invalidate(['stats', 'workers', 'gpuLock', 'kpis']);
      break;
    case 'job.progress':
      s.updateData('jobs', (cur) => applyProgress(cur ?? [], e.data.id, e.data.progress));
      break;
    case 'metrics':
      s.setData('snapshot', e.data);
      if (e.data.kpis.length) s.setData('kpis', e.data.kpis);
      if (s.res.metrics.data) s.updateData('metrics', (cur) => appendSnapshot(cur ?? [], e.data, chartWindowMs));
      break;
    case 'alert':
      if (s.res.alerts.data) s.updateData('alerts', (cur) => applyAlertTransition(cur ?? [], e.data.alert));
      invalidate(['alerts', 'alertHistory']);
      break;
    case 'alert.notification':
      notify(e.data);
      break;
    case 'maintenance.run':
    case 'maintenance.overdue':
      invalidate(['checklists', 'maintenanceHistory']);
      break;
    case 'audit.entry':
      invalidate(['audit']);
      break;
    default:
      break;
  }
}
