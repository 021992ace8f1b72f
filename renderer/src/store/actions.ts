import { mediaScheme } from '../../../main/contract/ipc';
import type { AlertActionResult, ChecklistRunResult, EmergencyActionResult, JobOptionsInput, JobOutputFormat, MaintenancePeriodName, MaintenanceRun, ReleaseLockResult, TranscriptionJob } from '../../../main/contract';
import type { Transport } from '../transport';
import type { AlertAction } from '../views/alerts-view';
import { upsertJob } from '../views/jobs-view';
import { useConsole } from '.';
import type { ResourceKey } from './resources';
import { describeError, type Sync } from './sync';

/**
 * Everything a button does: module-level actions (no providers), bound once to the
 * transport by App. Each returns what happened so the button can say it afterwards.
 */
let transport: Transport | null = null;
let sync: Sync | null = null;

export function bindActions(t: Transport, s: Sync): void {
  transport = t;
  sync = s;
}

function tp(): Transport {
  if (!transport) throw new Error('actions used before bindActions');
  return transport;
}

export const errorText = describeError;

export function transportKind(): Transport['kind'] {
  return tp().kind;
}

export const refresh = (...keys: ResourceKey[]) => sync?.refreshMany(keys) ?? Promise.resolve();

function remember(job: TranscriptionJob): TranscriptionJob {
  useConsole.getState().updateData('jobs', (cur) => upsertJob(cur ?? [], job));
  return job;
}

/** Browser: one multipart upload per file. */
export async function uploadFile(file: File, options: JobOptionsInput): Promise<TranscriptionJob> {
  const form = new FormData();
  form.append('options', JSON.stringify(options));
  form.append('file', file, file.name);
  // The contract types the JSON variant; the multipart one carries the same fields (HttpTransport sends FormData as is).
  const r = await tp().call('createTranscription', { body: form as unknown as { path: string } });
  return remember(r.job);
}

/** Electron: the file is on this machine, so the server reads it by path. */
export async function submitPath(path: string, options: JobOptionsInput): Promise<TranscriptionJob> {
  const r = await tp().call('createTranscription', { body: { path, options } });
  return remember(r.job);
}

export async function cancelJob(id: string): Promise<TranscriptionJob> {
  return remember(await tp().call('cancelTranscription', { params: { id } }));
}

export async function retryJob(id: string): Promise<TranscriptionJob> {
  return remember(await tp().call('retryTranscription', { params: { id } }));
}

export async function fetchJob(id: string): Promise<TranscriptionJob> {
  return remember(await tp().call('getTranscription', { params: { id } }));
}

export async function exportText(id: string, format: JobOutputFormat): Promise<string> {
  const r: unknown = await tp().call('exportTranscription', { params: { id, format } });
  return typeof r === 'string' ? r : JSON.stringify(r);
}

/** A URL the <audio> element streams (Range requests): the API in a browser, the app's media scheme in Electron. */
export function audioUrl(id: string): string | null {
  return tp().kind === 'http' ? `/api/v1/transcriptions/${encodeURIComponent(id)}/audio` : `${mediaScheme}://job/${encodeURIComponent(id)}`;
}

export async function releaseGpuLock(lockKey: string, reason?: string): Promise<ReleaseLockResult> {
  const r = await tp().call('releaseGpuLock', { body: { lock_key: lockKey, ...(reason ? { reason } : {}) } });
  void refresh('gpuLock', 'jobs', 'audit');
  return r;
}

export async function alertAction(alertId: string, action: AlertAction): Promise<AlertActionResult> {
  const r = await tp().call('acknowledgeAlert', { body: { alert_id: alertId, action, ...(action === 'silence' ? { duration: '1h' } : {}) } });
  await refresh('alerts', 'alertHistory');
  return r;
}

export async function runChecklist(period: MaintenancePeriodName): Promise<ChecklistRunResult> {
  const r = await tp().call('runMaintenanceChecklist', { params: { period }, body: {} });
  await refresh('checklists', 'maintenanceHistory');
  return r;
}

export async function runItem(id: string): Promise<MaintenanceRun> {
  const r = await tp().call('runMaintenanceItem', { params: { id }, body: {} });
  await refresh('checklists', 'maintenanceHistory');
  return r;
}

/** A manual item is confirmed with the operator's note. */
export async function completeItem(id: string, note: string): Promise<MaintenanceRun> {
  const r = await tp().call('completeMaintenanceItem', { params: { id }, body: { note } });
  await refresh('checklists', 'maintenanceHistory');
  return r;
}

export async function runEmergencyAction(id: string, body: { reason?: string; lock_key?: string; lines?: number }): Promise<EmergencyActionResult> {
  const r = await tp().call('runEmergencyAction', { params: { id }, body: { confirm: true, ...body } });
  void refresh('audit', 'gpuLock', 'model', 'jobs');
  return r;
}

export function pickFiles(): Promise<string[]> {
  return window.whisperx?.pickFiles() ?? Promise.resolve([]);
}

export function pathForFile(file: File): string | null {
  try {
    return window.whisperx?.pathForFile(file) || null;
  } catch {
    return null;
  }
}

/** Switches the hardware profile (writes config.yml's active_profile); model info refreshes after. */
export async function switchProfile(profile: string): Promise<string> {
  const r = await tp().call('setActiveProfile', { body: { profile } });
  await refresh('model');
  return r.message;
}
