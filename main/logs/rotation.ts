import { copyFileSync, existsSync, renameSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { listLogFiles, rotatedName } from './files';

export interface LogRotatorOptions {
  dir: string;
  /** Components whose live file this process writes (renamed then reopened); others are copied then truncated. */
  owned: () => Iterable<string>;
  /** Reopen a component's destination after its file was renamed or deleted. */
  reopen: (component: string) => void;
  now?: () => number;
}

export interface RotatedLog {
  component: string;
  from: string;
  to: string;
  bytes: number;
  /** rename: our own file, reopened after; copytruncate: a file another process may hold open. */
  method: 'rename' | 'copytruncate';
}

export interface DeletedLog {
  path: string;
  bytes: number;
  modified: string;
}

/**
 * The manual's log housekeeping without logrotate: rotate files over a size (or all, as
 * `logrotate -f`) and delete *.log files not modified for N days.
 */
export class LogRotator {
  private readonly now: () => number;
  constructor(private readonly opts: LogRotatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Rotates every live log of at least `minBytes` (0 with force = every non-empty log). */
  rotate(opts: { maxBytes: number; force?: boolean }): RotatedLog[] {
    const owned = new Set(this.opts.owned());
    const out: RotatedLog[] = [];
    for (const f of listLogFiles(this.opts.dir)) {
      if (f.rotated || f.bytes === 0) continue;
      if (!opts.force && f.bytes <= opts.maxBytes) continue;
      const to = this.freeName(f.component);
      if (owned.has(f.component)) {
        renameSync(f.path, to);
        this.opts.reopen(f.component);
        out.push({ component: f.component, from: f.path, to, bytes: f.bytes, method: 'rename' });
      } else {
        copyFileSync(f.path, to);
        truncateSync(f.path, 0);
        out.push({ component: f.component, from: f.path, to, bytes: f.bytes, method: 'copytruncate' });
      }
    }
    return out;
  }

  /** Deletes log files (live or rotated) last modified more than `maxAgeDays` ago. */
  deleteOlderThan(maxAgeDays: number): DeletedLog[] {
    const cutoff = this.now() - maxAgeDays * 86_400_000;
    const owned = new Set(this.opts.owned());
    const out: DeletedLog[] = [];
    for (const f of listLogFiles(this.opts.dir)) {
      if (f.mtimeMs >= cutoff) continue;
      unlinkSync(f.path);
      // A live file of ours that went quiet for a month: the next line must land in a new file, not the unlinked one.
      if (!f.rotated && owned.has(f.component)) this.opts.reopen(f.component);
      out.push({ path: f.path, bytes: f.bytes, modified: new Date(f.mtimeMs).toISOString() });
    }
    return out;
  }

  private freeName(component: string): string {
    const base = rotatedName(component, new Date(this.now()));
    let path = join(this.opts.dir, base);
    for (let i = 1; existsSync(path); i++) path = join(this.opts.dir, base.replace(/\.log$/, `-${i}.log`));
    return path;
  }
}
