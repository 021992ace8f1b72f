import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MemoryInfo {
  total_bytes: number;
  available_bytes: number;
  used_bytes: number;
  /** (total - available) / total, as `free -h` "used" reads it. */
  utilization: number;
  process_rss_bytes: number;
  process_heap_used_bytes: number;
}

/** MemAvailable from /proc/meminfo (page cache counts as available), else os.freemem(). */
export function memoryInfo(): MemoryInfo {
  const total = totalmem();
  let available = freemem();
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) available = Number(m[1]) * 1024;
  } catch {
    // not Linux: freemem is the best there is
  }
  const mu = process.memoryUsage();
  return {
    total_bytes: total,
    available_bytes: available,
    used_bytes: total - available,
    utilization: Math.round(((total - available) / total) * 1000) / 1000,
    process_rss_bytes: mu.rss,
    process_heap_used_bytes: mu.heapUsed,
  };
}

export interface RemovedFile {
  path: string;
  bytes: number;
  modified: string;
}

/**
 * `find DIR -type f -mtime +N -delete`, plus the folders that become empty. Symlinks are
 * removed as links, never followed (a link must not make us delete outside DIR).
 */
export function deleteFilesOlderThan(dir: string, cutoffMs: number): { removed: RemovedFile[]; kept: number; errors: string[] } {
  const removed: RemovedFile[] = [];
  const errors: string[] = [];
  let kept = 0;
  const walk = (d: string, top: boolean) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch (e) {
      errors.push(`${d}: ${(e as Error).message}`);
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        walk(p, false);
        continue;
      }
      if (st.mtimeMs < cutoffMs) {
        try {
          unlinkSync(p);
          removed.push({ path: p, bytes: st.size, modified: new Date(st.mtimeMs).toISOString() });
        } catch (e) {
          errors.push(`${p}: ${(e as Error).message}`);
        }
      } else kept++;
    }
    if (!top) {
      try {
        if (readdirSync(d).length === 0 && lstatSync(d).mtimeMs < cutoffMs) rmdirSync(d);
      } catch {
        // a folder someone is writing into: leave it
      }
    }
  };
  if (existsSync(dir)) walk(dir, true);
  return { removed, kept, errors };
}

/** Files and bytes under a folder (not following links). */
export function folderSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const st = lstatSync(join(d, name));
      if (st.isDirectory()) walk(join(d, name));
      else {
        files++;
        bytes += st.size;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { files, bytes };
}

/** Removes everything inside a folder, keeping the folder. */
export function emptyFolder(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}
