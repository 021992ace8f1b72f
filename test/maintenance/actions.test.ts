import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntry, emergencyActionResult, emergencyActionView, type AuditEntryView, type EmergencyActionResult } from '../../main/contract/maintenance';
import { gpuLockSettings } from '../../main/gpu/options';
import { GpuLockManager } from '../../main/gpu/lockManager';
import { repoRoot } from '../helpers/console';
import { startMaintenanceConsole, type MaintenanceConsole } from './console';

let c: MaintenanceConsole;

const act = async (id: string, body: Record<string, unknown> = {}): Promise<EmergencyActionResult> => {
  const r = await c.post(`/api/v1/emergency/actions/${id}`, { confirm: true, operator: 'carol', ...body });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return emergencyActionResult.parse(r.json);
};

const lastAudit = async (): Promise<AuditEntryView> => {
  const res = await c.fetch('/api/v1/audit?limit=1');
  const body = (await res.json()) as { entries: unknown[]; source: string };
  expect(body.source).toBe('redis');
  return auditEntry.parse(body.entries[0]);
};

const daysAgo = (path: string, days: number) => {
  const t = (Date.now() - days * 86_400_000) / 1000;
  utimesSync(path, t, t);
};

const hashTree = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [join(e.parentPath, e.name), createHash('sha256').update(readFileSync(join(e.parentPath, e.name))).digest('hex')]),
  );

beforeAll(async () => {
  c = await startMaintenanceConsole({ 'maintenance.logs.rotate_max_mb': 0.05 });
});
afterAll(async () => {
  await c?.cleanup();
});

describe('emergency actions: listed, confirmed, audited', () => {
  it('lists the twelve actions of §5 with bilingual titles; diarization is marked not installed', async () => {
    const body = (await (await c.fetch('/api/v1/emergency/actions')).json()) as { actions: unknown[] };
    const actions = body.actions.map((a) => emergencyActionView.parse(a));
    expect(actions.map((a) => a.id)).toEqual(['restart_api', 'restart_engine', 'restart_diarization', 'release_gpu_lock', 'free_memory', 'restart_redis', 'clean_temp', 'clean_logs', 'clear_model_cache', 'check_disk', 'show_logs', 'validate_config']);
    expect(actions.find((a) => a.id === 'release_gpu_lock')).toMatchObject({ title: { en: 'Release a GPU lock', zh: '释放 GPU 锁' }, available: true, params: [expect.objectContaining({ name: 'lock_key', required: true }), expect.anything()] });
    expect(actions.find((a) => a.id === 'restart_diarization')).toMatchObject({ available: false, unavailable_reason: expect.stringMatching(/not installed/) });
  });

  it('refuses without confirm: true, without the token, and for an unknown action; nothing is done', async () => {
    const tmpFile = join(c.config.paths.temp, 'keep-me.bin');
    writeFileSync(tmpFile, 'x');
    daysAgo(tmpFile, 30);
    const r = await c.post('/api/v1/emergency/actions/clean_temp', {});
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'confirm_required', message: expect.stringMatching(/older than/) });
    expect(existsSync(tmpFile)).toBe(true);
    expect((await c.fetch('/api/v1/emergency/actions/clean_temp', { method: 'POST', body: '{"confirm":true}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect((await c.post('/api/v1/emergency/actions/reboot_everything', { confirm: true })).status).toBe(404);
    expect((await c.post('/api/v1/emergency/actions/release_gpu_lock', { confirm: true, lock_key: 'jobs:queue' })).status).toBe(400);
  });

  it('clean temp: files older than 7 days are deleted, newer ones kept; the audit entry says who and what', async () => {
    const t = c.config.paths.temp;
    mkdirSync(join(t, 'upload-1'), { recursive: true });
    const old = [join(t, 'keep-me.bin'), join(t, 'old.wav'), join(t, 'upload-1', 'part.tmp')];
    const fresh = [join(t, 'new.wav'), join(t, 'six-days.wav')];
    for (const f of [...old, ...fresh]) writeFileSync(f, 'data');
    for (const f of old) daysAgo(f, 8);
    daysAgo(join(t, 'six-days.wav'), 6);
    const r = await act('clean_temp');
    expect(r.outcome).toBe('done');
    expect(old.filter(existsSync)).toEqual([]);
    expect(fresh.filter(existsSync)).toEqual(fresh);
    expect(r.message).toMatch(/Deleted 3 temp file\(s\) older than 7 days .* kept 2 newer/);
    const a = await lastAudit();
    expect(a).toMatchObject({ id: r.audit.id, actor: 'carol', action: 'clean_temp', outcome: 'done', target: t });
    expect(a.details?.removed).toHaveLength(3);
    expect(r.audit.recorded).toBe(true);
  });

  it('clean logs: a log over the size limit is rotated, logs older than 30 days deleted, and logging goes on', async () => {
    const api = c.server.logs.for('api');
    for (let i = 0; i < 600; i++) api.info({ i }, 'padding '.repeat(12));
    const stale = join(c.config.paths.logs, 'api.20200101T000000000Z.log');
    writeFileSync(stale, 'ancient\n');
    daysAgo(stale, 31);
    const r = await act('clean_logs');
    expect(r.outcome).toBe('done');
    expect(existsSync(stale)).toBe(false);
    const rotated = r.details.rotated as Array<{ component: string; to: string; method: string }>;
    expect(rotated).toEqual(expect.arrayContaining([expect.objectContaining({ component: 'api', method: 'rename' })]));
    expect(existsSync(rotated.find((x) => x.component === 'api')!.to)).toBe(true);
    api.info('after the rotation');
    const live = readFileSync(join(c.config.paths.logs, 'api.log'), 'utf8');
    expect(live).toMatch(/after the rotation/);
    expect(live.length).toBeLessThan(50_000);
    expect((await lastAudit()).action).toBe('clean_logs');
  });

  it('clear the model cache: cache emptied, bundled models untouched; a cache pointing into the models is refused', async () => {
    const cache = c.config.paths.model_cache;
    mkdirSync(join(cache, 'whisper-base', 'onnx'), { recursive: true });
    writeFileSync(join(cache, 'whisper-base', 'onnx', 'encoder.onnx'), Buffer.alloc(4096, 1));
    writeFileSync(join(cache, 'index.json'), '{}');
    const bundled = hashTree(join(repoRoot, 'models', 'test-tiny-en'));
    const r = await act('clear_model_cache');
    expect(r.outcome).toBe('done');
    expect(readdirSync(cache)).toEqual([]);
    expect(r.message).toMatch(/2 file\(s\)/);
    expect(hashTree(join(repoRoot, 'models', 'test-tiny-en'))).toEqual(bundled);

    // A copy of a models folder, so the guard is tested without risking the repo's models.
    const models = mkdtempSync(join(tmpdir(), 'wxc-models-'));
    cpSync(join(repoRoot, 'models', 'test-tiny-en', 'config.json'), join(models, 'demo', 'config.json'), { recursive: true });
    const cfg = c.server.config.current;
    for (const model_cache of [join(models, 'demo'), models, join(models, '..')]) {
      c.server.config.replace({ ...cfg, paths: { ...cfg.paths, models, model_cache } });
      const refused = await act('clear_model_cache');
      expect(refused.outcome).toBe('refused');
      expect(refused.message).toMatch(/Refusing to clear the model cache/);
      expect(existsSync(join(models, 'demo', 'config.json'))).toBe(true);
    }
    c.server.config.replace(cfg);
    rmSync(models, { recursive: true, force: true });
    expect((await lastAudit()).outcome).toBe('refused');
  });

  it('release a GPU lock through the GPU lock manager: the holder loses it, the previous holder is audited', async () => {
    const settings = gpuLockSettings(c.config.gpu.lock);
    const holder = new GpuLockManager({ redis: () => c.server.redis.createClient(), settings, deviceCount: () => 1 });
    const manager = new GpuLockManager({ redis: () => c.server.redis.createClient(), settings, deviceCount: () => 1, audit: c.svc.audit });
    c.provide('gpuLocks', manager);
    try {
      const lease = await holder.acquire({ jobId: 'job-stuck' });
      const r = await act('release_gpu_lock', { lock_key: 'gpu_lock:0', reason: 'stuck for an hour' });
      expect(r.outcome).toBe('done');
      expect(r.details).toMatchObject({ via: 'GPU lock manager', released: true });
      expect(r.previous).toMatchObject({ job_id: 'job-stuck', pid: process.pid });
      expect(await c.server.redis.client.exists('gpu_lock:0')).toBe(0);
      await expect.poll(() => lease.lostReason).toBe('force_released');
      expect((await manager.health()).locks[0]!.state).toBe('free');
      const entries = ((await (await c.fetch('/api/v1/audit?limit=5')).json()) as { entries: AuditEntryView[] }).entries;
      expect(entries[0]).toMatchObject({ action: 'release_gpu_lock', actor: 'carol', target: 'gpu_lock:0', params: { lock_key: 'gpu_lock:0', reason: 'stuck for an hour' }, previous: expect.objectContaining({ job_id: 'job-stuck' }) });
      // The lock manager's own trail goes to the same audit log.
      expect(entries[1]).toMatchObject({ action: 'gpu_lock.force_release', target: 'gpu_lock:0' });
    } finally {
      c.provide('gpuLocks', undefined);
      await holder.close();
      await manager.close();
    }
  });

  it('release a GPU lock without a lock manager in this process: the key is deleted in Redis directly', async () => {
    await c.server.redis.client.set('gpu_lock:1', 'otherhost:4242:abc', 'PX', 60_000);
    const r = await act('release_gpu_lock', { lock_key: 'gpu_lock:1' });
    expect(r.outcome).toBe('done');
    expect(r.details).toMatchObject({ via: 'redis', released: true });
    expect(r.previous).toMatchObject({ token: 'otherhost:4242:abc' });
    expect(await c.server.redis.client.exists('gpu_lock:1')).toBe(0);
    expect((await act('release_gpu_lock', { lock_key: 'gpu_lock:1' })).message).toMatch(/was not held/);
  });

  it('restart managed Redis: a new redis-server process, every key still there', async () => {
    const redis = c.server.redis.client;
    for (let i = 0; i < 50; i++) await redis.set(`restart:key:${i}`, `v${i}`);
    const keys = await redis.dbsize();
    const pid = c.server.redis.managed!.pid;
    const r = await act('restart_redis');
    expect(r.outcome, r.message).toBe('done');
    expect(c.server.redis.managed!.pid).not.toBe(pid);
    expect(r.previous).toMatchObject({ mode: 'managed', pid, keys });
    expect(r.details).toMatchObject({ data_intact: true, keys_after: keys });
    expect(await redis.get('restart:key:49')).toBe('v49');
    expect((await lastAudit()).action).toBe('restart_redis');
  });

  it('free memory: unloads models, and says truthfully whether page caches could be dropped', async () => {
    const r = await act('free_memory');
    const step = (r.details.steps as Array<{ step: string; ok: boolean; text: string }>).find((s) => s.step === 'drop page caches')!;
    let writable = true;
    try {
      accessSync('/proc/sys/vm/drop_caches', constants.W_OK);
    } catch {
      writable = false;
    }
    if (writable && process.getuid?.() === 0) {
      expect(r.outcome).toBe('done');
      expect(step).toMatchObject({ ok: true, text: 'wrote 1 to /proc/sys/vm/drop_caches' });
    } else {
      expect(r.outcome).toBe('partial');
      expect(step.text).toMatch(/^NOT done: .*sudo tee \/proc\/sys\/vm\/drop_caches/);
    }
    expect(r.previous).toMatchObject({ total_bytes: expect.any(Number) });
  });

  it('check disk space and the data paths: all usable; a missing folder is reported', async () => {
    const ok = await act('check_disk');
    expect(ok.details).toMatchObject({ healthy: true });
    rmSync(c.config.paths.temp, { recursive: true });
    const bad = await act('check_disk');
    expect(bad.details).toMatchObject({ healthy: false, problems: [expect.stringMatching(/^temp \(.*\) does not exist$/)] });
    mkdirSync(c.config.paths.temp);
  });

  it('show logs: the last N lines of each component; the log route serves one component', async () => {
    const r = await act('show_logs', { lines: 3 });
    const logs = r.details.logs as Record<string, string[]>;
    expect(Object.keys(logs)).toEqual(expect.arrayContaining(['api', 'audit', 'maintenance', 'redis']));
    expect(logs.audit!.length).toBeLessThanOrEqual(3);
    const one = await c.fetch('/api/v1/logs/audit?lines=2');
    expect(one.status).toBe(200);
    const body = (await one.json()) as { lines: Array<{ text: string; level: string }>; components: string[] };
    expect(body.lines).toHaveLength(2);
    expect(body.lines[1]!.text).toMatch(/"action":"show_logs"/);
    expect((await c.fetch('/api/v1/logs/nothing-here')).status).toBe(404);
    expect((await c.fetch('/api/v1/logs/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
  });

  it('validate the configuration: valid as loaded; a bad key is reported with its line', async () => {
    const ok = await act('validate_config');
    expect(ok.details).toMatchObject({ valid: true, active_profile: 'cpu' });
    const file = c.config.source.file;
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^ {2}port: .*$/m, '$&\n  prot: 1'));
    try {
      const bad = await act('validate_config');
      expect(bad.details.valid).toBe(false);
      const line = text.split('\n').findIndex((l) => l.startsWith('  port: ')) + 2;
      expect(bad.details.issues).toEqual([expect.objectContaining({ path: 'server.prot', line, message: 'unknown key "prot"' })]);
      expect(bad.message).toMatch(new RegExp(`line ${line}: server.prot: unknown key "prot"`));
    } finally {
      writeFileSync(file, text);
    }
  });

  it('restart the diarization stage: "not installed" until it exists, never a fake success', async () => {
    const r = await act('restart_diarization');
    expect(r.outcome).toBe('unavailable');
    expect(r.message).toMatch(/not installed/);
    expect((await lastAudit()).outcome).toBe('unavailable');
  });

  it('restart the API server: open connections (the live feed too) are closed, the same port answers again', async () => {
    const port = c.server.port;
    const feedClosed = new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/events' }, (res) => {
        res.on('data', () => undefined);
        res.on('close', () => resolve());
      });
      req.on('error', () => resolve());
      setTimeout(() => reject(new Error('live feed not closed')), 20_000).unref();
      req.end();
    });
    await new Promise((r) => setTimeout(r, 200));
    const r = await act('restart_api');
    expect(r.outcome, r.message).toBe('done');
    expect(r.details).toMatchObject({ port, verify: { status: expect.any(Number) } });
    expect(r.details.closed_connections as number).toBeGreaterThanOrEqual(1);
    await feedClosed;
    const health = await c.fetch('/health');
    expect([200, 503]).toContain(health.status);
    expect((await lastAudit()).action).toBe('restart_api');
  });
});
