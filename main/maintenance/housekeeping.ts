import { existsSync, realpathSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { ConsoleError } from '../core/errors';
import { formatBytes } from '../monitoring/disk';
import { deleteFilesOlderThan, emptyFolder, folderSize } from './system';
import type { MaintenanceDeps } from './types';

/** §2.3 / §4.3: delete logs not modified for max_age_days, rotate logs over rotate_max_mb. */
export function cleanLogs(deps: MaintenanceDeps) {
  const c = deps.config().maintenance.logs;
  const deleted = deps.rotator.deleteOlderThan(c.max_age_days);
  const rotated = deps.rotator.rotate({ maxBytes: c.rotate_max_mb * 1024 * 1024 });
  const freed = deleted.reduce((s, d) => s + d.bytes, 0);
  return {
    message: `Deleted ${deleted.length} log file(s) older than ${c.max_age_days} days (${formatBytes(freed)}); rotated ${rotated.length} log file(s) over ${c.rotate_max_mb} MB`,
    deleted,
    rotated,
    max_age_days: c.max_age_days,
    rotate_max_mb: c.rotate_max_mb,
  };
}

/** §5.3: `find /tmp -type f -mtime +7 -delete`, on the console's own temp folder. */
export function cleanTemp(deps: MaintenanceDeps) {
  const cfg = deps.config();
  const days = cfg.maintenance.temp.max_age_days;
  const r = deleteFilesOlderThan(cfg.paths.temp, deps.now() - days * 86_400_000);
  const bytes = r.removed.reduce((s, f) => s + f.bytes, 0);
  return {
    message: `Deleted ${r.removed.length} temp file(s) older than ${days} days from ${cfg.paths.temp} (${formatBytes(bytes)}); kept ${r.kept} newer file(s)`,
    dir: cfg.paths.temp,
    removed: r.removed,
    kept: r.kept,
    errors: r.errors,
  };
}

function real(p: string): string {
  return existsSync(p) ? realpathSync(p) : resolve(p);
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/**
 * Why the model cache must not be emptied, or null when it is safe: it must not be (or
 * contain, or sit inside) the bundled models, nor be the data dir or a folder above it.
 */
export function modelCacheProblem(cache: string, models: string, dataDir: string, others: string[]): string | null {
  const c = real(cache);
  const m = real(models);
  if (c === sep) return 'paths.model_cache is the file-system root';
  if (inside(c, m)) return `paths.model_cache (${c}) is inside the bundled models folder paths.models (${m})`;
  if (inside(m, c)) return `paths.model_cache (${c}) contains the bundled models folder paths.models (${m})`;
  const d = real(dataDir);
  if (inside(d, c)) return `paths.model_cache (${c}) is the data dir or a folder above it (${d})`;
  for (const o of others.map(real)) if (inside(o, c)) return `paths.model_cache (${c}) contains another data path (${o})`;
  return null;
}

/** §4.3 "clear the model cache (its path is defined in config.yml)"; never the bundled models. */
export function clearModelCache(deps: MaintenanceDeps) {
  const p = deps.config().paths;
  const problem = modelCacheProblem(p.model_cache, p.models, p.data_dir, [p.results, p.logs, p.temp]);
  if (problem) {
    throw new ConsoleError('model_cache_unsafe', `Refusing to clear the model cache: ${problem}`, {
      status: 409,
      hint: 'Point paths.model_cache in config.yml at a folder of its own (default {data_dir}/model-cache).',
      details: { model_cache: p.model_cache, models: p.models },
    });
  }
  const before = folderSize(p.model_cache);
  emptyFolder(p.model_cache);
  return { message: `Cleared the model cache ${p.model_cache}: ${before.files} file(s), ${formatBytes(before.bytes)}`, dir: p.model_cache, removed_files: before.files, removed_bytes: before.bytes, bundled_models: p.models };
}
