import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../main/contract';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';

describe('switching the hardware profile', () => {
  let redis: TestRedis;
  let c: TestConsole;
  beforeAll(async () => {
    redis = await startTestRedis();
    c = await startTestConsole({ 'redis.url': redis.url, 'model.name': 'test-tiny-en' });
  });
  afterAll(async () => {
    await c?.cleanup();
    await redis?.cleanup();
  });
  const post = (body: unknown, auth = true) =>
    c.fetch('/api/v1/config/active-profile', { method: 'POST', auth, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('needs the token', async () => {
    expect((await post({ profile: 'memory_limited' }, false)).status).toBe(401);
  });

  it('writes active_profile in config.yml (comments kept) and applies the profile at once', async () => {
    const res = await post({ profile: 'memory_limited' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active_profile: 'memory_limited', previous: 'cpu' });
    const text = readFileSync(c.configFile, 'utf8');
    expect(text).toMatch(/^active_profile: memory_limited$/m);
    expect(text).toContain('# Hardware profiles (ops manual §4.2)');
    const info = (await (await c.fetch('/api/v1/model/info')).json()) as ModelInfo;
    expect(info).toMatchObject({ active_profile: 'memory_limited', batch_size: 2, compute_type: 'int8', threads: 4 });
  });

  it('refuses a profile that config.yml does not define, naming the ones it does', async () => {
    const res = await post({ profile: 'turbo' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { hint: string } }).error.hint).toContain('high_performance, memory_limited, cpu');
    expect(readFileSync(c.configFile, 'utf8')).toMatch(/^active_profile: memory_limited$/m);
  });
});
