import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../main/contract';
import { loadConfig } from '../../main/core/config/loader';
import { startServer, type ConsoleServer } from '../../main/server';
import { writeTestConfig } from '../helpers/console';
import { freePort } from '../helpers/redis';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function startManaged(dataDir: string, port: number, extra: Record<string, unknown> = {}): Promise<ConsoleServer> {
  const { file } = writeTestConfig({ 'redis.url': null, 'redis.managed.port': port, 'paths.data_dir': dataDir, 'model.name': 'test-tiny-en', ...extra }, mkdtempSync(join(tmpdir(), 'wxc-cfg-')));
  const server = await startServer({ config: loadConfig(file), port: 0, watchConfig: false });
  return server;
}

async function health(s: ConsoleServer): Promise<{ status: number; body: HealthReport }> {
  const res = await fetch(`${s.url}/health`);
  return { status: res.status, body: (await res.json()) as HealthReport };
}

describe('managed redis-server (redis.url unset)', () => {
  it('starts on loopback with AOF on, its data under the app data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wxc-managed-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const s = await startManaged(dataDir, await freePort());
    cleanups.push(() => s.close());
    expect(s.redis.mode).toBe('managed');
    expect(s.redis.managed!.state).toBe('running');
    expect(await s.redis.client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect((await s.redis.client.config('GET', 'dir'))[1]).toBe(join(dataDir, 'redis'));
    expect((await s.redis.client.config('GET', 'bind'))[1]).toBe('127.0.0.1');
    expect((await health(s)).body.components.redis!.details!.mode).toBe('managed');
  });

  it('is restarted when it dies, and health recovers without restarting the app', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wxc-managed-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const s = await startManaged(dataDir, await freePort());
    cleanups.push(() => s.close());
    const pid = s.redis.managed!.pid!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => s.redis.managed!.restarts, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => s.redis.managed!.state, { timeout: 15_000 }).toBe('running');
    expect(s.redis.managed!.pid).not.toBe(pid);
    await expect.poll(async () => (await health(s)).status, { timeout: 15_000, interval: 200 }).toBe(200);
  });

  it('keeps its data across an app restart (AOF)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wxc-managed-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const first = await startManaged(dataDir, port);
    await first.redis.client.set('wxc:test:persist', 'still here');
    await first.close();
    const second = await startManaged(dataDir, port);
    cleanups.push(() => second.close());
    expect(await second.redis.client.get('wxc:test:persist')).toBe('still here');
  });

  it('is stopped when the app closes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wxc-managed-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const s = await startManaged(dataDir, await freePort());
    const pid = s.redis.managed!.pid!;
    await s.close();
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('without a redis-server binary, health says so with the install hint (and the app still serves)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wxc-managed-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const s = await startManaged(dataDir, await freePort(), { 'redis.managed.binary': 'redis-server-not-installed' });
    cleanups.push(() => s.close());
    const h = await health(s);
    expect(h.status).toBe(503);
    expect(h.body.failing).toEqual(['redis']);
    expect(h.body.components.redis!.message).toContain('redis-server-not-installed');
    expect(h.body.components.redis!.hint).toContain('apt-get install redis-server');
  });
});
