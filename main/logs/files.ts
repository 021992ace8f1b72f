import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `<component>.log` is the live file; rotations are `<component>.<UTC stamp>.log` (still *.log, as the manual's cleanup expects). */
const LIVE = /^([a-z0-9][a-z0-9_-]{0,63})\.log$/;
const ROTATED = /^([a-z0-9][a-z0-9_-]{0,63})\.(\d{8}T\d{6}\d{3}Z(?:-\d+)?)\.log$/;

export const componentName = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface LogFile {
  component: string;
  path: string;
  name: string;
  /** false for the live `<component>.log`. */
  rotated: boolean;
  bytes: number;
  mtimeMs: number;
  ino: number;
}

/** Every log file in the folder (live and rotated), newest first within a component. */
export function listLogFiles(dir: string): LogFile[] {
  if (!existsSync(dir)) return [];
  const out: LogFile[] = [];
  for (const name of readdirSync(dir)) {
    const live = LIVE.exec(name);
    const rot = live ? null : ROTATED.exec(name);
    const component = live?.[1] ?? rot?.[1];
    if (!component) continue;
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path);
    } catch {
      continue; // deleted between readdir and stat
    }
    if (!st.isFile()) continue;
    out.push({ component, path, name, rotated: !live, bytes: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
  }
  return out.sort((a, b) => a.component.localeCompare(b.component) || Number(a.rotated) - Number(b.rotated) || b.name.localeCompare(a.name));
}

/** Components that have a log file. */
export function logComponents(dir: string): string[] {
  return [...new Set(listLogFiles(dir).map((f) => f.component))].sort();
}

export function rotatedName(component: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${component}.${stamp}.log`;
}
