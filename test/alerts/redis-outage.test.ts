import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlertsResponse } from '../../main/contract/alerts';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';

let redis: TestRedis;
let c: TestConsole;

beforeAll(async () => {
  redis = await startTestRedis();
  c = await startTestConsole({ 'redis.url': redis.url, 'model.name': 'test-tiny-en', 'monitoring.sample_interval_ms': 60_000, 'alerts.evaluate_interval_ms': 600_000 });
});

afterAll(async () => {
  await c?.cleanup();
  await redis?.cleanup();
});

it('alerts raised while Redis is down are served from memory and written once Redis is back', async () => {
  const alerts = c.server.services.require('alerts');
  const monitoring = c.server.services.require('monitoring');
  await redis.stop();

  alerts.reportSystemError('worker_crash', 'worker 1 exited with code 137');
  await alerts.evaluate();
  await monitoring.sampleOnce();
  const during = (await (await c.fetch('/api/v1/monitoring/alerts')).json()) as AlertsResponse;
  const crash = during.alerts.find((a) => a.rule_id === 'system_error')!;
  expect(crash.state).toBe('firing');
  const redisUp = monitoring.latest('redis_up');
  expect(redisUp.map((l) => l.v)).toEqual([0]);

  await redis.start();
  const probe = new Redis(redis.url);
  try {
    // the next evaluations retry the queued write until the reconnect has happened
    while ((await probe.hget('wxc:alerts:records', crash.id)) === null) {
      await alerts.evaluate();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await probe.sismember('wxc:alerts:open', crash.id)).toBe(1);
    expect(JSON.parse((await probe.hget('wxc:alerts:records', crash.id))!)).toMatchObject({ id: crash.id, state: 'firing', labels: { source: 'worker_crash' } });
  } finally {
    probe.disconnect();
  }
});
