import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceRun, type MaintenanceRun } from '../../main/contract/maintenance';
import { gpuTelemetrySettings } from '../../main/gpu/options';
import { GpuTelemetrySampler } from '../../main/gpu/telemetry/sampler';
import { recommendProfile } from '../../main/maintenance/checks/advice';
import { fakeNvidiaSmi, type FakeNvidiaSmi } from '../gpu/fakeNvidiaSmi';
import { startMaintenanceConsole, type MaintenanceConsole } from './console';

// No NVIDIA GPU on these machines: the GPU wing's recorded nvidia-smi output stands in for one.
let smi: FakeNvidiaSmi;
let c: MaintenanceConsole;

const sampler = async (scenario: string) => {
  const s = new GpuTelemetrySampler({ settings: gpuTelemetrySettings(c.config.gpu.telemetry), env: smi.env(scenario) });
  await s.sample();
  return s;
};

const run = async (id: string): Promise<MaintenanceRun> => {
  const r = await c.post(`/api/v1/maintenance/items/${id}/run`);
  expect(r.status).toBe(200);
  return maintenanceRun.parse(r.json);
};

beforeAll(async () => {
  smi = fakeNvidiaSmi();
  c = await startMaintenanceConsole();
});
afterAll(async () => {
  await c?.cleanup();
  smi?.cleanup();
});

describe('GPU-dependent checks on recorded nvidia-smi output', () => {
  it('an RTX 3060 (12 GB) on a host with fewer cores than the high-performance profile wants: memory-limited, and why', async () => {
    c.provide('gpuTelemetry', await sampler('rtx3060-idle'));
    const cfg = c.server.config.current;
    const advice = cfg.maintenance.profile_advice;
    c.server.config.replace({ ...cfg, maintenance: { ...cfg.maintenance, profile_advice: { ...advice, high_performance: { ...advice.high_performance, min_cpu_cores: 1000, min_ram_gb: 1 } } } });
    try {
      const r = await run('configuration_optimisation');
      expect(r.details).toMatchObject({ recommended: 'memory_limited', hardware: { gpu: { name: 'NVIDIA GeForce RTX 3060', vram_gb: 12 } } });
      expect(r.summary).toMatch(/^Switch active_profile from "cpu" to "memory_limited": NVIDIA GeForce RTX 3060 present but \d+ CPU cores < 1000/);
      expect(r.result).toBe('warn');
    } finally {
      c.server.config.replace(cfg);
    }
  });

  it('the profile rules: no GPU → cpu, a big GPU on a big host → high performance, a small GPU → memory limited', () => {
    const advice = c.config.maintenance.profile_advice;
    expect(recommendProfile({ gpu: null, gpu_note: 'no GPU detected — CPU mode', cpu_cores: 64, ram_gb: 256 }, advice).profile).toBe('cpu');
    expect(recommendProfile({ gpu: { name: 'RTX 3060', vram_gb: 12 }, gpu_note: '', cpu_cores: 8, ram_gb: 32 }, advice)).toMatchObject({ profile: 'high_performance', reason: expect.stringMatching(/12 GB VRAM, 8 cores, 32 GB RAM/) });
    expect(recommendProfile({ gpu: { name: 'GTX 1650', vram_gb: 4 }, gpu_note: '', cpu_cores: 8, ram_gb: 32 }, advice)).toMatchObject({ profile: 'memory_limited', reason: expect.stringMatching(/4 GB VRAM < 8 GB/) });
  });

  it('resources: GPUs at 97% and 94% busy fail against the 90% KPI', async () => {
    c.provide('gpuTelemetry', await sampler('a100x4-busy'));
    const r = await run('resource_usage');
    expect(r.result).toBe('fail');
    expect(r.summary).toMatch(/FAIL GPU 0 97% busy \(limit 90%\)/);
    expect(r.summary).toMatch(/FAIL GPU 1 94% busy/);
    expect(r.summary).not.toMatch(/GPU 2 0% busy/);
  });
});
