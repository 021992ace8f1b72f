import type { JobProgress, TranscriptionJob } from '../../../main/contract';
import type { Tone } from '../health-view';

export interface JobRow {
  id: string;
  name: string;
  state: TranscriptionJob['state'];
  tone: Tone;
  stage: string | null;
  /** 0..100, null when no progress applies (queued, finished). */
  percent: number | null;
  etaSeconds: number | null;
  durationSeconds: number | null;
  canCancel: boolean;
  canRetry: boolean;
  done: boolean;
  error: string | null;
  hint: string | null;
  retries: number;
  formats: string[];
}

const running = new Set<TranscriptionJob['state']>(['queued', 'active', 'retrying']);

export function jobRow(job: TranscriptionJob): JobRow {
  const active = job.state === 'active';
  const done = job.state === 'completed';
  const started = job.started_at ? Date.parse(job.started_at) : null;
  const finished = job.finished_at ? Date.parse(job.finished_at) : null;
  return {
    id: job.id,
    name: job.input.name,
    state: job.state,
    tone: done ? 'ok' : job.state === 'failed' ? 'alert' : job.state === 'cancelled' ? 'unknown' : job.state === 'retrying' ? 'warn' : 'ok',
    stage: active ? (job.progress?.stage ?? null) : null,
    percent: active ? Math.round(Math.min(1, Math.max(0, job.progress?.fraction ?? 0)) * 100) : null,
    etaSeconds: active ? (job.progress?.eta_seconds ?? null) : null,
    durationSeconds: started != null && finished != null ? (finished - started) / 1000 : null,
    canCancel: running.has(job.state),
    canRetry: !running.has(job.state),
    done,
    error: job.error ? `${job.error.stage}: ${job.error.message}` : null,
    hint: job.error?.hint ?? null,
    retries: job.retries,
    formats: done ? (job.result?.files.map((f) => f.format) ?? []) : [],
  };
}

/** Newest first; an update replaces the job with the same id. */
export function upsertJob(jobs: TranscriptionJob[], job: TranscriptionJob): TranscriptionJob[] {
  const rest = jobs.filter((j) => j.id !== job.id);
  return sortJobs([job, ...rest]);
}

export function applyProgress(jobs: TranscriptionJob[], id: string, progress: JobProgress): TranscriptionJob[] {
  return jobs.map((j) => (j.id === id ? { ...j, state: j.state === 'queued' ? 'active' : j.state, progress } : j));
}

export function sortJobs(jobs: TranscriptionJob[]): TranscriptionJob[] {
  return [...jobs].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

/** The server list is the truth, but a live update newer than the list must not be lost. */
export function mergeJobList(current: TranscriptionJob[], fromServer: TranscriptionJob[]): TranscriptionJob[] {
  const byId = new Map(current.map((j) => [j.id, j]));
  const merged = fromServer.map((s) => {
    const c = byId.get(s.id);
    if (c && c.state === s.state && c.state === 'active' && (c.progress?.fraction ?? 0) > (s.progress?.fraction ?? 0)) return c;
    return s;
  });
  return sortJobs(merged);
}

export interface FileCheck {
  accepted: File[];
  rejected: { name: string; reason: 'extension' }[];
}

/** Extensions the server accepts (jobs.upload.allowed_extensions' defaults). */
export const mediaExtensions = ['wav', 'mp3', 'flac', 'ogg', 'opus', 'oga', 'm4a', 'aac', 'mp4', 'mkv', 'webm', 'mov'];

export function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}

/** Splits dropped files into media the server takes and the rest (said to the operator, not silently dropped). */
export function checkFiles<F extends { name: string }>(files: F[], allowed = mediaExtensions): { accepted: F[]; rejected: F[] } {
  const accepted: F[] = [];
  const rejected: F[] = [];
  for (const f of files) (allowed.includes(extensionOf(f.name)) ? accepted : rejected).push(f);
  return { accepted, rejected };
}
