import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoggerFactory } from '../../main/core/logger';
import { AuditLog } from '../../main/maintenance/audit';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis';

let dir: string;
let redis: TestRedis;
const clients: Redis[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wxc-audit-'));
  redis = await startTestRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const auditOn = (client: Redis, logs = new LoggerFactory({ dir })) =>
  new AuditLog({ redis: client, max: () => 3, fileLogger: logs.for('audit'), file: () => join(dir, 'audit.log') });

describe('the audit log', () => {
  it('keeps entries newest first in Redis, trimmed to audit_max, each also in logs/audit.log', async () => {
    const client = new Redis(redis.url);
    clients.push(client);
    const audit = auditOn(client);
    for (const n of [1, 2, 3, 4]) {
      const r = await audit.append({ actor: 'ops', action: 'clean_temp', target: '/tmp/x', params: { n }, outcome: 'done', message: `run ${n}`, previous: null });
      expect(r.recorded).toBe(true);
    }
    const { entries, source } = await audit.list({ limit: 10 });
    expect(source).toBe('redis');
    expect(entries.map((e) => e.params.n)).toEqual([4, 3, 2]);
    expect(readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n')).toHaveLength(4);
    await audit.record({ actor: 'api 127.0.0.1', action: 'gpu_lock.force_release', target: 'gpu_lock:0', reason: 'stuck', previous: { pid: 1 }, at: '2026-01-01T00:00:00.000Z' });
    expect((await audit.list({ limit: 1, action: 'gpu_lock.force_release' })).entries[0]).toMatchObject({ actor: 'api 127.0.0.1', target: 'gpu_lock:0', previous: { pid: 1 }, at: '2026-01-01T00:00:00.000Z' });
  });

  it('with Redis unreachable the entry still lands in audit.log, the caller is told, and the list is read from the file', async () => {
    const dead = new Redis({ port: await freePort(), lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    dead.on('error', () => undefined);
    clients.push(dead);
    const audit = auditOn(dead, new LoggerFactory({ dir }));
    const r = await audit.append({ actor: 'ops', action: 'restart_redis', target: null, params: {}, outcome: 'failed', message: 'redis gone', previous: null });
    expect(r.recorded).toBe(false);
    expect(r.error).toMatch(/written to audit.log only/);
    const { entries, source } = await audit.list({ limit: 2 });
    expect(source).toBe('file');
    expect(entries[0]).toMatchObject({ id: r.entry.id, action: 'restart_redis', outcome: 'failed' });
  });
});
