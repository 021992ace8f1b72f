import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport, ModelInfo } from '../../main/contract';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';

describe('GET /health with a real Redis', () => {
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

  const health = async () => {
    const res = await c.fetch('/health');
    return { status: res.status, body: (await res.json()) as HealthReport };
  };

  it('is healthy with each component: api, redis (with PING latency), disk per data path, engine', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.failing).toEqual([]);
    expect(Object.keys(body.components).sort()).toEqual(expect.arrayContaining(['api', 'disk', 'engine', 'redis', 'gpu']));
    expect(body.components.redis!.status).toBe('up');
    expect(body.components.redis!.latency_ms).toBeGreaterThan(0);
    const paths = (body.components.disk!.details!.paths as Array<{ name: string; free_bytes: number }>).map((p) => p.name);
    expect(paths).toEqual(['models', 'model_cache', 'results', 'logs', 'temp']);
    expect(body.components.engine!.status).toBe('up');
  });

  it('answers 503 naming redis when Redis stops, and is healthy again after it restarts, without restarting the app', async () => {
    await redis.stop();
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unhealthy');
    expect(down.body.failing).toEqual(['redis']);
    expect(down.body.components.redis!.message).toMatch(/Redis does not answer PING/);
    expect(down.body.components.redis!.hint).toBeTruthy();

    await redis.start();
    await expect.poll(async () => (await health()).status, { timeout: 20_000, interval: 200 }).toBe(200);
  });

  it("reports the inference engine's own state: not loaded, then ready on its execution provider", async () => {
    const before = (await health()).body.components.engine!;
    expect(before).toMatchObject({ status: 'up', details: { state: 'not_loaded' } });
    await c.server.services.require('engine').load();
    const after = (await health()).body.components.engine!;
    expect(after).toMatchObject({ status: 'up', details: { state: 'ready', execution_provider: 'cpu' } });
    expect(after.message).toMatch(/ready on cpu/);
  });

  it('reports a missing model as a failing engine with what to do', async () => {
    c.server.config.replace({ ...c.server.config.current, model: { ...c.server.config.current.model, name: 'no-such-model' } });
    try {
      const { status, body } = await health();
      expect(status).toBe(503);
      expect(body.failing).toContain('engine');
      expect(body.components.engine!.message).toContain('no-such-model');
      expect(body.components.engine!.hint).toMatch(/models folder/);
    } finally {
      c.server.config.replace({ ...c.server.config.current, model: { ...c.server.config.current.model, name: 'test-tiny-en' } });
    }
  });

  it('reports low disk space as down when a data path is below the configured floor', async () => {
    const cur = c.server.config.current;
    c.server.config.replace({ ...cur, health: { ...cur.health, disk_min_free_percent: 100 } });
    try {
      const { status, body } = await health();
      expect(status).toBe(503);
      expect(body.failing).toContain('disk');
      expect(body.components.disk!.message).toMatch(/Low disk space for models/);
    } finally {
      c.server.config.replace(cur);
    }
  });

  it('GET /api/v1/model/info reports the configured model, its files, the active profile, device, compute type and batch size', async () => {
    const res = await c.fetch('/api/v1/model/info');
    expect(res.status).toBe(200);
    const info = (await res.json()) as ModelInfo;
    expect(info.model.name).toBe('test-tiny-en');
    expect(info.model.found).toBe(true);
    expect(info.model.variants).toEqual(expect.arrayContaining(['float32', 'float16', 'int8']));
    expect(info.model.files.map((f) => f.path)).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json', 'onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx']));
    expect(info.model.files.every((f) => f.bytes > 0)).toBe(true);
    expect(info).toMatchObject({ active_profile: 'cpu', device: 'cpu', compute_type: 'float32', batch_size: 1, use_faster_whisper: false });
    expect(info.profiles).toEqual(['high_performance', 'memory_limited', 'cpu']);
    expect(info.engine.state).toBeTruthy();
  });
});
