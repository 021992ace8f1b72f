import type { JobError } from '../contract/jobs';
import { isConsoleError, type ConsoleError } from '../core/errors';

/**
 * BullMQ keeps one string per failure (failedReason); the job's structured error travels
 * in it as JSON so it is stored atomically with the state change.
 */
export function encodeJobError(e: JobError): string {
  return JSON.stringify(e);
}

export function decodeJobError(reason: string | undefined, fallbackStage = 'unknown'): JobError | null {
  if (!reason) return null;
  try {
    const v = JSON.parse(reason) as Partial<JobError>;
    if (v && typeof v.code === 'string' && typeof v.message === 'string') {
      return { code: v.code, message: v.message, stage: v.stage ?? fallbackStage, ...(v.hint ? { hint: v.hint } : {}) };
    }
  } catch {
    // A plain message (BullMQ's own failures, e.g. "job stalled more than allowable limit").
  }
  return { code: 'job_failed', message: reason, stage: fallbackStage, hint: stalledHint(reason) };
}

function stalledHint(reason: string): string {
  if (reason.includes('stalled')) return 'The worker running this job stopped several times (crash or overload); check the worker logs, then retry the job.';
  return 'Retry the job; if it fails again, check the worker logs.';
}

export function jobErrorFrom(e: unknown, stage: string): JobError {
  if (isConsoleError(e)) return { code: e.code, message: e.message, stage, ...(e.hint ? { hint: e.hint } : {}) };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'job_failed', message, stage, hint: 'Retry the job; if it fails again, check the worker logs.' };
}

/** Errors about the input or the request itself: running again would fail the same way. */
export function isPermanent(e: unknown): boolean {
  if (!isConsoleError(e)) return false;
  const err = e as ConsoleError;
  if (err.code === 'gpu_lock_lost' || err.code === 'gpu_lock_timeout' || err.code === 'engine_failed' || err.code === 'engine_stopped') return false;
  return err.status >= 400 && err.status < 500;
}
