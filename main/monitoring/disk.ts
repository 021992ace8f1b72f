import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ComponentStatus, DiskPathStatus } from '../contract/health';

export interface DiskThresholds {
  minFreeGb: number;
  minFreePercent: number;
}

/** The nearest existing ancestor, so a data path not created yet still reports its disk. */
function existingAncestor(path: string): string {
  let p = path;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) return p;
    p = up;
  }
  return p;
}

/** Free and total bytes of the file system holding each data path (`df -h` of the manual). */
export function diskUsage(paths: Record<string, string>, t: DiskThresholds): DiskPathStatus[] {
  return Object.entries(paths).map(([name, path]) => {
    const s = statfsSync(existingAncestor(path));
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    const freePercent = total > 0 ? (free / total) * 100 : 0;
    const low = free < t.minFreeGb * 1024 ** 3 || freePercent < t.minFreePercent;
    const status: ComponentStatus = low ? 'down' : 'up';
    return { name, path, free_bytes: free, total_bytes: total, free_percent: Math.round(freePercent * 10) / 10, status };
  });
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
}
