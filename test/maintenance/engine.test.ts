import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emergencyActionResult, maintenanceRun, type MaintenanceRun } from '../../main/contract/maintenance';
import type { ModuleFactory } from '../../main/core/module';
import { WhisperEngine } from '../../main/inference/engine/engine';
import { syntheticAudio } from '../../main/maintenance/checks/benchmark';
import { repoRoot } from '../helpers/console';
import { startMaintenanceConsole, type MaintenanceConsole } from './console';

let c: MaintenanceConsole;
let engine: WhisperEngine;

/** The engine as a service, the way an engine module publishes it. */
const engineModule: ModuleFactory = async (ctx) => {
  engine = new WhisperEngine({ modelDir: join(repoRoot, 'models', 'test-tiny-en'), modelName: 'test-tiny-en', profile: ctx.config.current.profile, vadModelPath: null });
  (ctx.provide as unknown as (n: string, s: unknown) => void)('engine', engine);
  return { name: 'engine', close: () => engine.unload() };
};

const worker = () => (engine as unknown as { worker: object | null }).worker;
const quick = { vad: false, decoding: { temperatures: [0] } };

beforeAll(async () => {
  c = await startMaintenanceConsole({ 'maintenance.benchmark.duration_s': 10, 'kpi.seconds_per_audio_minute.max': 600 }, [engineModule]);
});
afterAll(async () => {
  await c?.cleanup();
});

const runBenchmark = async (): Promise<MaintenanceRun> => {
  const r = await c.post('/api/v1/maintenance/items/performance_benchmark/run');
  expect(r.status).toBe(200);
  return maintenanceRun.parse(r.json);
};

describe('maintenance with the real inference engine (test-tiny-en)', { timeout: 300_000 }, () => {
  it('benchmark: seconds per audio minute through the engine, the first run stored as baseline', async () => {
    const r = await runBenchmark();
    expect(r.result, r.summary).toBe('ok');
    expect(r.details).toMatchObject({ new_baseline: true, audio_seconds: 10, engine: expect.objectContaining({ state: 'ready', execution_provider: 'cpu' }) });
    expect(r.details.seconds_per_audio_minute as number).toBeGreaterThan(0);
    expect(r.summary).toMatch(/s per audio minute on cpu \(limit 600 s; recorded as the new baseline\)/);
  });

  it('benchmark: slower than the baseline warns (degradation), over the KPI fails', async () => {
    const spm = ((await runBenchmark()).details.seconds_per_audio_minute as number);
    await c.svc.history.setState('benchmark_baseline', { seconds_per_audio_minute: spm / 10, at: new Date().toISOString(), model: 'test-tiny-en', profile: 'cpu', execution_provider: 'cpu' });
    const slow = await runBenchmark();
    expect(slow.result).toBe('warn');
    expect(slow.details.new_baseline).toBe(false);
    const cfg = c.server.config.current;
    c.server.config.replace({ ...cfg, kpi: { ...cfg.kpi, seconds_per_audio_minute: { max: 0.0001 } } });
    try {
      const over = await runBenchmark();
      expect(over.result).toBe('fail');
      expect(over.summary).toMatch(/limit 0.0001 s/);
    } finally {
      c.server.config.replace(cfg);
    }
  });

  it('restart the inference engine: the worker thread is terminated, the model reloaded, and it transcribes again', async () => {
    await engine.transcribe(syntheticAudio(2), quick);
    const before = worker();
    expect(before).not.toBeNull();
    const res = await c.post('/api/v1/emergency/actions/restart_engine', { confirm: true });
    expect(res.status).toBe(200);
    const r = emergencyActionResult.parse(res.json);
    expect(r.outcome, r.message).toBe('done');
    expect(r.previous).toMatchObject({ state: 'ready' });
    expect(r.details).toMatchObject({ after_unload: expect.objectContaining({ state: 'not_loaded' }), status: expect.objectContaining({ state: 'ready' }), probe: expect.objectContaining({ ok: true }) });
    expect(worker()).not.toBeNull();
    expect(worker()).not.toBe(before);
    const again = await engine.transcribe(syntheticAudio(2), quick);
    expect(again.transcript.duration).toBeCloseTo(2, 1);
    const audit = (await (await c.fetch('/api/v1/audit?limit=1')).json()) as { entries: Array<{ action: string; previous: { state: string } }> };
    expect(audit.entries[0]).toMatchObject({ action: 'restart_engine', previous: { state: 'ready' } });
  });

  it('free memory unloads the model: the worker is gone until the next job', async () => {
    await engine.load();
    const res = await c.post('/api/v1/emergency/actions/free_memory', { confirm: true });
    expect(res.status).toBe(200);
    expect(engine.status().state).toBe('not_loaded');
    expect(worker()).toBeNull();
    expect(res.json.details.steps[0]).toMatchObject({ step: 'unload models', text: expect.stringMatching(/engine unloaded/) });
    await engine.transcribe(syntheticAudio(1), quick);
    expect(engine.status().state).toBe('ready');
  });
});
