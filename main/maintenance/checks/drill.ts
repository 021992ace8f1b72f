import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { CheckResult } from '../../contract/maintenance';
import { describeError } from '../../core/errors';
import { findExecutable } from '../../redis/managed';
import { sha256File, verifyResultsIndex } from '../integrity';
import { withThrowawayRedis } from '../throwawayRedis';
import { parseInfo } from './backup';
import type { Check, MaintenanceDeps } from '../types';

const run = promisify(execFile);

async function hashTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.set(relative(dir, p), await sha256File(p));
    }
  };
  await walk(dir);
  return out;
}

async function until(what: string, deadline: number, test: () => Promise<boolean>): Promise<void> {
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`${what} did not finish in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Snapshot of Redis and its key count: managed = BGSAVE (inside MULTI Redis only schedules
 * it, so it is started on its own and awaited through INFO's rdb_saves), then the files are
 * copied; external = `redis-cli --rdb` (a replication snapshot). Either way the key count is
 * bracketed by DBSIZE before and after.
 */
async function snapshotRedis(deps: MaintenanceDeps, into: string, deadline: number): Promise<{ keys_min: number; keys_max: number; method: string; aof_copied: boolean }> {
  mkdirSync(into, { recursive: true });
  const cfg = deps.config();
  const r = deps.store;
  if (deps.redis.mode === 'managed') {
    const dir = join(cfg.paths.data_dir, 'redis');
    const savesBefore = Number(parseInfo(await r.info('persistence')).rdb_saves ?? -1);
    const a = await r.dbsize();
    await until('BGSAVE start', deadline, async () => {
      try {
        await r.bgsave();
        return true;
      } catch {
        return false; // an AOF rewrite or another save is running: try again
      }
    });
    await until('BGSAVE', deadline, async () => {
      const info = parseInfo(await r.info('persistence'));
      return info.rdb_bgsave_in_progress === '0' && Number(info.rdb_saves) > savesBefore;
    });
    const b = await r.dbsize();
    const status = parseInfo(await r.info('persistence')).rdb_last_bgsave_status;
    if (status !== 'ok') throw new Error(`BGSAVE failed (rdb_last_bgsave_status ${status}); see logs/redis.log`);
    cpSync(join(dir, 'dump.rdb'), join(into, 'dump.rdb'));
    const aof = existsSync(join(dir, 'appendonlydir'));
    if (aof) cpSync(join(dir, 'appendonlydir'), join(into, 'appendonlydir'), { recursive: true });
    return { keys_min: Math.min(a, b), keys_max: Math.max(a, b), method: 'BGSAVE + copy of dump.rdb and appendonlydir', aof_copied: aof };
  }
  const cli = findExecutable('redis-cli');
  if (!cli) throw new Error('redis-cli is needed to snapshot an external Redis (apt-get install redis-tools)');
  const a = await r.dbsize();
  await run(cli, ['-u', deps.redis.url, '--rdb', join(into, 'dump.rdb')], { timeout: Math.max(1000, deadline - Date.now()) });
  const b = await r.dbsize();
  return { keys_min: Math.min(a, b), keys_max: Math.max(a, b), method: 'redis-cli --rdb (replication snapshot)', aof_copied: false };
}

/** §6 monthly "disaster-recovery drill": snapshot, restore into a temp dir, verify. */
export const drDrill: Check = async (deps) => {
  const cfg = deps.config();
  const deadline = Date.now() + cfg.maintenance.dr_drill.timeout_s * 1000;
  const root = join(cfg.paths.data_dir, 'dr-drills', new Date(deps.now()).toISOString().replace(/[:.]/g, '-'));
  const steps: Array<{ step: string; result: CheckResult; text: string }> = [];
  const binary = findExecutable(cfg.redis.managed.binary) ?? cfg.redis.managed.binary;
  try {
    const snap = await snapshotRedis(deps, join(root, 'snapshot', 'redis'), deadline);
    steps.push({ step: 'snapshot redis', result: 'ok', text: `${snap.method}: ${snap.keys_min === snap.keys_max ? snap.keys_min : `${snap.keys_min}–${snap.keys_max}`} key(s)` });
    cpSync(cfg.paths.results, join(root, 'snapshot', 'results'), { recursive: true });
    const manifest = await hashTree(join(root, 'snapshot', 'results'));
    steps.push({ step: 'snapshot results', result: 'ok', text: `${manifest.size} result file(s) copied and hashed` });

    cpSync(join(root, 'snapshot'), join(root, 'restore'), { recursive: true });
    const restoredRedis = join(root, 'restore', 'redis');
    const timeoutMs = Math.max(1000, deadline - Date.now());
    const rdbKeys = await withThrowawayRedis({ binary, dir: restoredRedis, appendonly: false, timeoutMs }, (c) => c.dbsize());
    const keysOk = rdbKeys >= snap.keys_min && rdbKeys <= snap.keys_max;
    steps.push({ step: 'restore redis (RDB)', result: keysOk ? 'ok' : 'fail', text: `restored redis-server loaded ${rdbKeys} key(s); snapshot had ${snap.keys_min === snap.keys_max ? snap.keys_min : `${snap.keys_min}–${snap.keys_max}`}` });
    if (snap.aof_copied) {
      const aofDir = join(root, 'restore', 'redis-aof');
      cpSync(join(restoredRedis, 'appendonlydir'), join(aofDir, 'appendonlydir'), { recursive: true });
      try {
        const aofKeys = await withThrowawayRedis({ binary, dir: aofDir, appendonly: true, timeoutMs: Math.max(1000, deadline - Date.now()) }, (c) => c.dbsize());
        steps.push({ step: 'restore redis (AOF)', result: 'ok', text: `the AOF copy loads: ${aofKeys} key(s)` });
      } catch (e) {
        steps.push({ step: 'restore redis (AOF)', result: 'fail', text: `the AOF copy does not load: ${describeError(e)}` });
      }
    }

    const restored = await hashTree(join(root, 'restore', 'results'));
    const differ = [...manifest].filter(([p, h]) => restored.get(p) !== h).map(([p]) => p);
    steps.push({ step: 'restore results', result: differ.length ? 'fail' : 'ok', text: differ.length ? `${differ.length} restored file(s) differ from the snapshot (e.g. ${differ[0]})` : `${restored.size} restored file(s) match the snapshot checksums` });
    const index = deps.ports.resultsIndex();
    if (index) {
      const v = await verifyResultsIndex(index, join(root, 'restore', 'results'), { checksums: true, rebaseFrom: cfg.paths.results });
      steps.push({ step: 'verify against the results index', result: v.problems.length ? 'fail' : 'ok', text: v.problems.length ? `${v.problems.length} indexed file(s) missing or corrupt in the restore (e.g. ${v.problems[0]!.path}: ${v.problems[0]!.problem})` : `all ${v.files} indexed file(s) restored intact` });
    } else {
      steps.push({ step: 'verify against the results index', result: 'warn', text: 'results index not installed: restored files were checked against the snapshot only' });
    }
  } catch (e) {
    steps.push({ step: 'drill', result: 'fail', text: describeError(e) });
  } finally {
    if (!cfg.maintenance.dr_drill.keep_snapshot) rmSync(root, { recursive: true, force: true });
  }
  const rank = { ok: 0, warn: 1, fail: 2 } as const;
  const result = steps.reduce<CheckResult>((w, s) => (rank[s.result] > rank[w] ? s.result : w), 'ok');
  const bad = steps.filter((s) => s.result !== 'ok');
  return {
    result,
    summary: bad.length ? bad.map((s) => `${s.step}: ${s.text}`).join('; ') : `Snapshot, restore and verification passed (${steps.map((s) => s.text).join('; ')})`,
    details: { steps, folder: cfg.maintenance.dr_drill.keep_snapshot ? root : null },
  };
};
