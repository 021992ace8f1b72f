/**
 * Where emergency actions are recorded. The GPU lock only needs this much of the audit
 * log; the composition root plugs in the real one (main/maintenance).
 */
export interface AuditEntry {
  /** Who did it (the API caller, "cli", a user name). */
  actor: string;
  /** e.g. "gpu_lock.force_release" */
  action: string;
  /** e.g. "gpu_lock:0" */
  target: string;
  reason: string;
  /** State before the action (the lock's previous holder), null when there was none. */
  previous: Record<string, unknown> | null;
  /** ISO timestamp. */
  at: string;
}

export interface AuditSink {
  record(entry: AuditEntry): Promise<void> | void;
}
