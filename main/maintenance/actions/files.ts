import { accessSync, constants, existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText, resolveConfig, type ConfigIssue } from '../../core/config/loader';
import { ConsoleError, describeError } from '../../core/errors';
import { diskUsage, formatBytes } from '../../monitoring/disk';
import { cleanLogs, cleanTemp, clearModelCache } from '../housekeeping';
import type { EmergencyAction } from './types';

export const cleanTempAction: EmergencyAction = {
  id: 'clean_temp',
  params: [],
  unavailable: () => null,
  async run({ deps }) {
    const r = cleanTemp(deps);
    return { outcome: r.errors.length ? 'partial' : 'done', message: r.errors.length ? `${r.message}; ${r.errors.length} could not be deleted` : r.message, details: r, previous: null, target: r.dir };
  },
};

export const cleanLogsAction: EmergencyAction = {
  id: 'clean_logs',
  params: [],
  unavailable: () => null,
  async run({ deps }) {
    const r = cleanLogs(deps);
    return { outcome: 'done', message: r.message, details: r, previous: null, target: deps.config().paths.logs };
  },
};

export const clearModelCacheAction: EmergencyAction = {
  id: 'clear_model_cache',
  params: [],
  unavailable: () => null,
  async run({ deps }) {
    const p = deps.config().paths;
    try {
      const r = clearModelCache(deps);
      return { outcome: 'done', message: r.message, details: r, previous: { files: r.removed_files, bytes: r.removed_bytes }, target: p.model_cache };
    } catch (e) {
      if (e instanceof ConsoleError && e.code === 'model_cache_unsafe') {
        return { outcome: 'refused', message: `${e.message}. ${e.hint ?? ''}`.trim(), details: e.details ?? {}, previous: null, target: p.model_cache };
      }
      throw e;
    }
  },
};

interface PathCheck {
  name: string;
  path: string;
  exists: boolean;
  directory: boolean;
  writable: boolean | null;
  problem: string | null;
}

function checkPath(name: string, path: string, needWrite: boolean): PathCheck {
  if (!existsSync(path)) return { name, path, exists: false, directory: false, writable: null, problem: `${name} (${path}) does not exist` };
  if (!statSync(path).isDirectory()) return { name, path, exists: true, directory: false, writable: null, problem: `${name} (${path}) is not a folder` };
  if (!needWrite) {
    try {
      accessSync(path, constants.R_OK);
      return { name, path, exists: true, directory: true, writable: null, problem: null };
    } catch {
      return { name, path, exists: true, directory: true, writable: null, problem: `${name} (${path}) is not readable` };
    }
  }
  // access() can say yes on a read-only mount; writing a file is the real test.
  const probe = join(path, `.write-probe-${process.pid}`);
  try {
    writeFileSync(probe, 'x');
    unlinkSync(probe);
    return { name, path, exists: true, directory: true, writable: true, problem: null };
  } catch (e) {
    return { name, path, exists: true, directory: true, writable: false, problem: `${name} (${path}) is not writable: ${describeError(e)}` };
  }
}

export const checkDisk: EmergencyAction = {
  id: 'check_disk',
  params: [],
  unavailable: () => null,
  async run({ deps }) {
    const cfg = deps.config();
    const p = cfg.paths;
    const paths: Record<string, [string, boolean]> = {
      data_dir: [p.data_dir, true],
      models: [p.models, false],
      model_cache: [p.model_cache, true],
      results: [p.results, true],
      logs: [p.logs, true],
      temp: [p.temp, true],
      redis: [join(p.data_dir, 'redis'), deps.redis.mode === 'managed'],
    };
    const checks = Object.entries(paths).map(([n, [path, w]]) => checkPath(n, path, w));
    const disks = diskUsage(Object.fromEntries(Object.entries(paths).map(([n, [path]]) => [n, path])), { minFreeGb: cfg.health.disk_min_free_gb, minFreePercent: cfg.health.disk_min_free_percent });
    const problems = [...checks.filter((c) => c.problem).map((c) => c.problem!), ...disks.filter((d) => d.status !== 'up').map((d) => `${d.name}: only ${formatBytes(d.free_bytes)} (${d.free_percent}%) free`)];
    const fullest = disks.reduce((m, d) => (d.free_bytes < m.free_bytes ? d : m), disks[0]!);
    return {
      outcome: 'done',
      message: problems.length ? `${problems.length} problem(s): ${problems.join('; ')}` : `All ${checks.length} data paths exist and are usable; ${formatBytes(fullest.free_bytes)} (${fullest.free_percent}%) free on the fullest (${fullest.name})`,
      details: { healthy: problems.length === 0, problems, paths: checks, disks },
      previous: null,
    };
  },
};

export const showLogs: EmergencyAction = {
  id: 'show_logs',
  params: [{ name: 'lines', type: 'integer', required: false, description: 'Lines per component (default maintenance.show_logs.default_lines, 100)' }],
  unavailable: () => null,
  async run({ deps, body }) {
    const n = body.lines ?? deps.config().maintenance.show_logs.default_lines;
    const components = deps.logs.components();
    const logs: Record<string, string[]> = {};
    for (const c of components) logs[c] = deps.logs.tail(c, n).map((l) => l.text);
    return { outcome: 'done', message: `Last ${n} line(s) of ${components.length} component log(s): ${components.join(', ') || 'none'}`, details: { lines: n, logs }, previous: null };
  },
};

export const validateConfig: EmergencyAction = {
  id: 'validate_config',
  params: [],
  unavailable: () => null,
  async run({ deps }) {
    const cfg = deps.config();
    const file = cfg.source.file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return { outcome: 'done', message: `${file} cannot be read: ${describeError(e)}`, details: { valid: false, file, issues: [] }, previous: null, target: file };
    }
    try {
      const raw = parseConfigText(text, file);
      const resolved = resolveConfig(raw, file, { dataDir: cfg.paths.data_dir });
      return {
        outcome: 'done',
        message: `${file} is valid: active profile ${resolved.active_profile} (${Object.keys(resolved.profiles).join(', ')})`,
        details: { valid: true, file, issues: [], active_profile: resolved.active_profile, sections: Object.keys(raw) },
        previous: null,
        target: file,
      };
    } catch (e) {
      const issues = (e instanceof ConsoleError ? (e.details?.issues as ConfigIssue[] | undefined) : undefined) ?? [{ path: '', message: describeError(e) }];
      return {
        outcome: 'done',
        message: `${file} has ${issues.length} problem(s): ${issues.map((i) => `${i.line ? `line ${i.line}: ` : ''}${i.path || '(root)'}: ${i.message}`).join('; ')}. The console keeps running on the last valid configuration.`,
        details: { valid: false, file, issues },
        previous: null,
        target: file,
      };
    }
  },
};
