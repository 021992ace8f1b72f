import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditEntryView } from '../contract/maintenance';
import { describeError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { AuditEntry as GpuAuditEntry, AuditSink } from '../gpu/audit';
import { parseLogLine, tailFile } from '../logs/reader';

export interface AuditLogOptions {
  redis: Redis;
  key?: string;
  max: () => number;
  /** The `audit` component logger: every entry also lands in logs/audit.log, so the trail survives Redis data loss. */
  fileLogger: Logger;
  /** Path of audit.log, read when Redis cannot be. */
  file: () => string;
  onEntry?: (entry: AuditEntryView) => void;
}

export type NewAuditEntry = Omit<AuditEntryView, 'id' | 'at'> & { at?: string };

/** Who did what, when, with which parameters, what it found before and what came of it. */
export class AuditLog implements AuditSink {
  private readonly key: string;
  constructor(private readonly opts: AuditLogOptions) {
    this.key = opts.key ?? 'wxc:audit';
  }

  /** Records an entry; Redis failure is returned, not thrown (the action already happened). */
  async append(input: NewAuditEntry): Promise<{ entry: AuditEntryView; recorded: boolean; error?: string }> {
    const entry: AuditEntryView = { id: randomUUID(), at: input.at ?? new Date().toISOString(), ...input };
    this.opts.fileLogger.info({ audit: entry }, `audit: ${entry.action} by ${entry.actor}: ${entry.outcome}`);
    this.opts.onEntry?.(entry);
    try {
      await this.opts.redis.multi().lpush(this.key, JSON.stringify(entry)).ltrim(this.key, 0, this.opts.max() - 1).exec();
      return { entry, recorded: true };
    } catch (e) {
      return { entry, recorded: false, error: `written to audit.log only; Redis refused it: ${describeError(e)}` };
    }
  }

  /** The GPU lock manager's sink (its force releases land in the same trail). */
  async record(e: GpuAuditEntry): Promise<void> {
    const r = await this.append({ at: e.at, actor: e.actor, action: e.action, target: e.target, params: { reason: e.reason }, outcome: 'done', message: e.reason, previous: e.previous });
    if (!r.recorded) throw new Error(r.error);
  }

  async list(opts: { limit: number; action?: string | undefined }): Promise<{ entries: AuditEntryView[]; source: 'redis' | 'file' }> {
    try {
      const raw = await this.opts.redis.lrange(this.key, 0, -1);
      const entries = raw.map((j) => JSON.parse(j) as AuditEntryView).filter((e) => !opts.action || e.action === opts.action);
      return { entries: entries.slice(0, opts.limit), source: 'redis' };
    } catch {
      const entries = tailFile(this.opts.file(), 10 * opts.limit)
        .map((l) => {
          const p = parseLogLine(l);
          try {
            return (JSON.parse(p.text) as { audit?: AuditEntryView }).audit ?? null;
          } catch {
            return null;
          }
        })
        .filter((e): e is AuditEntryView => e !== null && (!opts.action || e.action === opts.action))
        .reverse();
      return { entries: entries.slice(0, opts.limit), source: 'file' };
    }
  }
}
