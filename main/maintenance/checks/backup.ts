import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../../contract/maintenance';
import { describeError } from '../../core/errors';
import { verifyResultsIndex } from '../integrity';
import { worst, type Check, type MaintenanceDeps } from '../types';

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

interface Finding {
  what: string;
  result: CheckResult;
  text: string;
}

interface PersistenceFile {
  name: string;
  bytes: number;
  modified: string;
  age_h: number;
}

function persistenceFiles(dir: string, now: number): { aof: PersistenceFile[]; rdb: PersistenceFile | null } {
  const describe = (p: string, name: string): PersistenceFile => {
    const st = statSync(p);
    return { name, bytes: st.size, modified: new Date(st.mtimeMs).toISOString(), age_h: Math.round(((now - st.mtimeMs) / 3_600_000) * 10) / 10 };
  };
  const aof: PersistenceFile[] = [];
  const aofDir = join(dir, 'appendonlydir');
  if (existsSync(aofDir)) for (const n of readdirSync(aofDir)) aof.push(describe(join(aofDir, n), `appendonlydir/${n}`));
  if (existsSync(join(dir, 'appendonly.aof'))) aof.push(describe(join(dir, 'appendonly.aof'), 'appendonly.aof'));
  const rdb = existsSync(join(dir, 'dump.rdb')) ? describe(join(dir, 'dump.rdb'), 'dump.rdb') : null;
  return { aof, rdb };
}

async function redisPersistence(deps: MaintenanceDeps, findings: Finding[]): Promise<Record<string, unknown>> {
  const cfg = deps.config();
  const maxAgeH = cfg.maintenance.backup.max_age_h;
  let info: Record<string, string> | null = null;
  try {
    info = parseInfo(await deps.store.info('persistence'));
  } catch (e) {
    findings.push({ what: 'redis', result: 'fail', text: `Redis INFO persistence failed: ${describeError(e)}` });
  }
  const out: Record<string, unknown> = { mode: deps.redis.mode, info };
  if (info) {
    const aofOn = info.aof_enabled === '1';
    if (aofOn && info.aof_last_write_status !== 'ok') findings.push({ what: 'aof', result: 'fail', text: `AOF writes are failing (aof_last_write_status ${info.aof_last_write_status})` });
    if (aofOn && info.aof_last_bgrewrite_status !== 'ok') findings.push({ what: 'aof', result: 'fail', text: `AOF rewrite failed (aof_last_bgrewrite_status ${info.aof_last_bgrewrite_status})` });
    if (info.rdb_last_bgsave_status !== 'ok') findings.push({ what: 'rdb', result: 'fail', text: `last RDB snapshot failed (rdb_last_bgsave_status ${info.rdb_last_bgsave_status})` });
    const lastSaveAgeH = (deps.now() / 1000 - Number(info.rdb_last_save_time ?? 0)) / 3600;
    const unsaved = Number(info.rdb_changes_since_last_save ?? 0);
    out.rdb_last_save_age_h = Math.round(lastSaveAgeH * 10) / 10;
    if (!aofOn && unsaved > 0 && lastSaveAgeH > maxAgeH) {
      findings.push({ what: 'rdb', result: 'fail', text: `AOF is off and ${unsaved} change(s) are not in any snapshot; the last RDB save was ${lastSaveAgeH.toFixed(1)} h ago (limit ${maxAgeH} h)` });
    }
    if (!aofOn && deps.redis.mode === 'external') findings.push({ what: 'aof', result: 'warn', text: 'the external Redis has AOF off: writes since the last snapshot would be lost in a crash' });
  }
  if (deps.redis.mode === 'managed') {
    const dir = join(cfg.paths.data_dir, 'redis');
    const files = persistenceFiles(dir, deps.now());
    out.dir = dir;
    out.files = files;
    if (cfg.redis.managed.appendonly) {
      const manifest = files.aof.some((f) => f.name.endsWith('.manifest')) || files.aof.some((f) => f.name === 'appendonly.aof');
      if (!manifest) findings.push({ what: 'aof', result: 'fail', text: `AOF is on (redis.managed.appendonly) but there is no AOF in ${dir}` });
      else findings.push({ what: 'aof', result: 'ok', text: `AOF present (${files.aof.length} file(s), newest written ${Math.min(...files.aof.map((f) => f.age_h))} h ago)` });
    }
    if (files.rdb) findings.push({ what: 'rdb', result: 'ok', text: `dump.rdb present (${files.rdb.age_h} h old)` });
    else if (!cfg.redis.managed.appendonly) findings.push({ what: 'rdb', result: 'fail', text: `AOF is off and there is no dump.rdb in ${dir}` });
  }
  return out;
}

/** §6 daily "verify backup status": Redis AOF/RDB present and healthy, results index consistent. */
export const backupStatus: Check = async (deps) => {
  const findings: Finding[] = [];
  const redis = await redisPersistence(deps, findings);
  const index = deps.ports.resultsIndex();
  let results: unknown = 'results index not installed';
  if (!index) {
    findings.push({ what: 'results', result: 'warn', text: 'the results store index is not installed, so its consistency cannot be checked' });
  } else {
    const v = await verifyResultsIndex(index, deps.config().paths.results, { checksums: false });
    results = v;
    const missing = v.problems.filter((p) => p.problem === 'missing');
    findings.push(
      missing.length
        ? { what: 'results', result: 'fail', text: `${missing.length} indexed result file(s) are missing (e.g. ${missing[0]!.path})` }
        : { what: 'results', result: 'ok', text: `results index consistent: ${v.entries} result(s), ${v.files} file(s) present` },
    );
  }
  const result = worst(findings.map((f) => f.result));
  const shown = findings.filter((f) => f.result !== 'ok');
  return { result, summary: (shown.length ? shown : findings).map((f) => f.text).join('; ') || 'Redis persistence healthy', details: { findings, redis, results } };
};

/** §6 weekly "verify data integrity": every result file's checksum against the index, dangling entries. */
export const dataIntegrity: Check = async (deps) => {
  const index = deps.ports.resultsIndex();
  if (!index) {
    return { result: 'fail', summary: 'Data integrity not verified: the results store index (service "resultsIndex", main/jobs) is not available', details: { available: false } };
  }
  const v = await verifyResultsIndex(index, deps.config().paths.results, { checksums: true });
  const bad = v.problems.filter((p) => p.problem === 'checksum_mismatch');
  const missing = v.problems.filter((p) => p.problem === 'missing');
  const result: CheckResult = v.problems.length ? 'fail' : v.unindexed.length ? 'warn' : 'ok';
  const parts = [];
  if (bad.length) parts.push(`${bad.length} file(s) do not match their checksum (e.g. ${bad[0]!.path})`);
  if (missing.length) parts.push(`${missing.length} dangling index entr${missing.length === 1 ? 'y' : 'ies'} (file missing, e.g. ${missing[0]!.path})`);
  if (v.unindexed.length) parts.push(`${v.unindexed.length} file(s) in the results folder are in no index entry`);
  return {
    result,
    summary: parts.length ? parts.join('; ') : `All ${v.files} file(s) of ${v.entries} result(s) match their checksums`,
    details: { ...v },
  };
};
