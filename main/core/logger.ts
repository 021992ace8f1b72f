import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Folder for `<component>.log` files; none = stderr only. */
  dir?: string | undefined;
  level?: string;
  /** Also write to stderr (the CLI's serve does; tests do not). */
  stderr?: boolean;
}

/**
 * Structured (JSON-lines) logs, one file per component in the logs dir, as the manual
 * expects ("last 50 log lines per service", "find ERROR lines per service").
 */
export class LoggerFactory {
  private readonly loggers = new Map<string, Logger>();
  /** File destinations by component, so log rotation can reopen them (main/logs/rotation.ts). */
  private readonly files = new Map<string, { path: string; destination: ReturnType<typeof pino.destination> }>();
  constructor(private readonly opts: LoggerOptions = {}) {
    if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  }

  get dir(): string | undefined {
    return this.opts.dir;
  }

  for(component: string): Logger {
    const existing = this.loggers.get(component);
    if (existing) return existing;
    const streams: pino.StreamEntry[] = [];
    if (this.opts.dir) {
      const path = join(this.opts.dir, `${component}.log`);
      const destination = pino.destination({ dest: path, sync: true, mkdir: true });
      this.files.set(component, { path, destination });
      streams.push({ stream: destination });
    }
    if (this.opts.stderr) streams.push({ stream: pino.destination(2) });
    const logger =
      streams.length === 0
        ? pino({ level: 'silent' })
        : pino(
            { level: this.opts.level ?? process.env.WHISPERX_LOG_LEVEL ?? 'info', base: { component }, timestamp: pino.stdTimeFunctions.isoTime },
            pino.multistream(streams),
          );
    this.loggers.set(component, logger);
    return logger;
  }

  /** Log files this factory writes, by component. */
  logFiles(): Map<string, string> {
    return new Map([...this.files].map(([c, f]) => [c, f.path]));
  }

  /**
   * After a rotation renamed (or a cleanup deleted) `<component>.log`, writes would go on
   * into the old inode; reopening starts a fresh file at the same path (logrotate's postrotate).
   */
  reopen(component?: string): void {
    for (const [c, f] of this.files) if (component === undefined || c === component) f.destination.reopen();
  }
}

/** A logger that drops everything (for unit tests of single services). */
export const silentLogger: Logger = pino({ level: 'silent' });
