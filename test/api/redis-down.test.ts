import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteSpec } from '../../main/contract/route';
import { routes } from '../../main/contract/routes';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';

/** Read routes that need no path parameters: what the UI polls. */
const pollable = (Object.entries(routes) as Array<[string, RouteSpec]>).filter(([, r]) => r.method === 'GET' && !r.path.includes(':') && r.kind !== 'sse');

describe('with Redis down, every read route answers with a readable status, never a bare 500', () => {
  let redis: TestRedis;
  let c: TestConsole;
  beforeAll(async () => {
    redis = await startTestRedis();
    c = await startTestConsole({ 'redis.url': redis.url, 'model.name': 'test-tiny-en' });
    await redis.stop();
  });
  afterAll(async () => {
    await c?.cleanup();
    await redis?.cleanup();
  });

  it.each(pollable.map(([name, r]) => [name, r.path] as const))('%s (%s)', async (_name, path) => {
    const res = await c.fetch(path);
    expect(res.status, path).not.toBe(500);
    if (res.status >= 400 && (res.headers.get('content-type') ?? '').includes('json')) {
      const body = (await res.json()) as { error?: { message: string; hint?: string } };
      if (body.error) expect(body.error.message.length).toBeGreaterThan(10);
    }
  });
});
