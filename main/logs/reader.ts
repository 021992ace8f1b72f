import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ConsoleError } from '../core/errors';
import { componentName, listLogFiles, logComponents, type LogFile } from './files';

/** One log line: the raw text, and pino's fields when it is a JSON line. */
export interface LogLine {
  text: string;
  time: string | null;
  /** pino level name (info, warn, error, fatal…) or ERROR/FATAL found in a plain-text line. */
  level: string | null;
  msg: string | null;
}

export interface ErrorLine extends LogLine {
  component: string;
  file: string;
}

/** Where the previous error scan stopped, per file inode (a rotated file keeps its inode). */
export type ScanCursors = Record<string, number>;

export interface ErrorScan {
  since: string;
  files_scanned: number;
  count: number;
  /** Up to maxLines of the matching lines, oldest first. */
  lines: ErrorLine[];
  by_component: Record<string, number>;
  cursors: ScanCursors;
}

const MTIME_SLACK_MS = 5000;

const pinoLevels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function parseLogLine(text: string): LogLine {
  if (text.startsWith('{')) {
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      const lv = typeof o.level === 'number' ? (pinoLevels[o.level] ?? String(o.level)) : typeof o.level === 'string' ? o.level : null;
      const time = typeof o.time === 'string' ? o.time : typeof o.time === 'number' ? new Date(o.time).toISOString() : null;
      return { text, time, level: lv, msg: typeof o.msg === 'string' ? o.msg : null };
    } catch {
      // not JSON after all: fall through to the plain-text reading
    }
  }
  const m = /\b(FATAL|ERROR)\b/.exec(text);
  return { text, time: null, level: m ? m[1]! : null, msg: null };
}

function isError(line: LogLine): boolean {
  return line.level === 'error' || line.level === 'fatal' || line.level === 'ERROR' || line.level === 'FATAL';
}

/** The last `n` lines of one file, reading backwards in blocks (files can be 100 MB). */
export function tailFile(path: string, n: number): string[] {
  if (n <= 0 || !existsSync(path)) return [];
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const block = 64 * 1024;
    let pos = size;
    let text = '';
    let newlines = 0;
    while (pos > 0 && newlines <= n) {
      const len = Math.min(block, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      const chunk = buf.toString('utf8');
      for (const ch of chunk) if (ch === '\n') newlines++;
      text = chunk + text;
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

/** Reads the logs folder: the log viewer's "last N lines" and the daily error-log check. */
export class LogReader {
  constructor(private readonly dir: () => string) {}

  components(): string[] {
    return logComponents(this.dir());
  }

  /** Last `n` lines of a component, continuing into its newest rotations when the live file is short. */
  tail(component: string, n: number): LogLine[] {
    if (!componentName.test(component)) {
      throw new ConsoleError('bad_component', `"${component}" is not a log component name`, { status: 400, hint: 'Names are lower-case letters, digits, - and _ (e.g. api, redis).' });
    }
    const files = listLogFiles(this.dir()).filter((f) => f.component === component);
    if (files.length === 0) {
      throw new ConsoleError('log_not_found', `There is no log for component "${component}" in ${this.dir()}`, {
        status: 404,
        hint: `Components with logs: ${this.components().join(', ') || 'none yet'}.`,
      });
    }
    let lines: string[] = [];
    for (const f of files) {
      if (lines.length >= n) break;
      lines = [...tailFile(f.path, n - lines.length), ...lines];
    }
    return lines.map(parseLogLine);
  }

  /**
   * ERROR/FATAL lines written since the last scan: from the saved offset in files seen
   * before (by inode), whole files otherwise (JSON lines then filtered by time).
   */
  async scanErrors(opts: { sinceMs: number; cursors: ScanCursors; maxLines: number }): Promise<ErrorScan> {
    // File times come from a coarse kernel clock and can trail Date.now() by a few ms; a file
    // not seen before is read from the start anyway (its JSON lines filtered by time).
    const files = listLogFiles(this.dir()).filter((f) => f.mtimeMs >= opts.sinceMs - MTIME_SLACK_MS || opts.cursors[String(f.ino)] !== undefined);
    const lines: ErrorLine[] = [];
    const byComponent: Record<string, number> = {};
    const cursors: ScanCursors = {};
    let count = 0;
    for (const f of files) {
      const saved = opts.cursors[String(f.ino)];
      const start = saved !== undefined && saved <= f.bytes ? saved : 0;
      const useTime = saved === undefined || saved > f.bytes;
      for await (const line of readFrom(f, start)) {
        const parsed = parseLogLine(line);
        if (!isError(parsed)) continue;
        if (useTime && parsed.time && Date.parse(parsed.time) < opts.sinceMs) continue;
        count++;
        byComponent[f.component] = (byComponent[f.component] ?? 0) + 1;
        lines.push({ ...parsed, component: f.component, file: f.name });
      }
      cursors[String(f.ino)] = f.bytes;
    }
    lines.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
    return { since: new Date(opts.sinceMs).toISOString(), files_scanned: files.length, count, lines: lines.slice(-opts.maxLines), by_component: byComponent, cursors };
  }

  path(component: string): string {
    return join(this.dir(), `${component}.log`);
  }
}

async function* readFrom(f: LogFile, start: number): AsyncGenerator<string> {
  if (start >= f.bytes) return;
  // Read only up to the size seen now: lines appended meanwhile belong to the next scan.
  const rl = createInterface({ input: createReadStream(f.path, { start, end: f.bytes - 1, encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield line;
}
