import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpuTelemetryReport, gpuTelemetrySample, type GpuTelemetrySample } from '../../main/contract/gpu';
import type { GpuTelemetrySettings } from '../../main/gpu/options';
import { parseComputeApps, parseGpuQuery, smiNumber } from '../../main/gpu/telemetry/nvidiaSmi';
import { GpuTelemetrySampler } from '../../main/gpu/telemetry/sampler';
import { RingBuffer } from '../../main/gpu/telemetry/series';
import { fakeNvidiaSmi, fixture, fixturesDir } from './fakeNvidiaSmi';

const smi = fakeNvidiaSmi();
afterAll(() => smi.cleanup());

const settings = (over: Partial<GpuTelemetrySettings> = {}): GpuTelemetrySettings => ({
  enabled: true,
  nvidiaSmiPath: 'nvidia-smi',
  intervalMs: 50,
  timeoutMs: 5000,
  historySize: 10,
  queryComputeApps: true,
  ...over,
});

function sampler(env: NodeJS.ProcessEnv, over: Partial<GpuTelemetrySettings> = {}, events: GpuTelemetrySample[] = []) {
  return new GpuTelemetrySampler({ settings: settings(over), env, emit: (type, data) => type === 'gpu.telemetry' && events.push(data as GpuTelemetrySample) });
}

describe('nvidia-smi output parser (recorded outputs)', () => {
  it('reads one idle RTX 3060', () => {
    const { gpus, warnings } = parseGpuQuery(fixture('rtx3060-idle', 'gpu.out'));
    expect(warnings).toEqual([]);
    expect(gpus).toEqual([
      {
        index: 0,
        name: 'NVIDIA GeForce RTX 3060',
        uuid: 'GPU-5e1c2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f',
        utilization_percent: 0,
        memory_used_mib: 225,
        memory_total_mib: 12288,
        memory_utilization: 225 / 12288,
        temperature_c: 38,
        power_draw_w: 13.87,
      },
    ]);
  });

  it('reads four A100s and their compute processes', () => {
    const { gpus } = parseGpuQuery(fixture('a100x4-busy', 'gpu.out'));
    expect(gpus.map((g) => [g.index, g.utilization_percent, g.memory_used_mib, g.power_draw_w])).toEqual([
      [0, 97, 71213, 342.51],
      [1, 94, 70981, 331.07],
      [2, 0, 4, 61.42],
      [3, 12, 18432, 118.9],
    ]);
    const { apps, warnings } = parseComputeApps(fixture('a100x4-busy', 'apps.out'));
    expect(warnings).toEqual([]);
    expect(apps[0]).toEqual({ pid: 48211, used_memory_mib: 70912, gpu_uuid: 'GPU-2f4e9a10-7c3b-11ee-9a51-0242ac120002' });
    expect(apps).toHaveLength(4);
  });

  it('turns [N/A] and [Not Supported] into null, never into 0', () => {
    const laptop = parseGpuQuery(fixture('gtx1650-laptop-na', 'gpu.out')).gpus[0]!;
    expect(laptop).toMatchObject({ name: 'NVIDIA GeForce GTX 1650 with Max-Q Design', power_draw_w: null, utilization_percent: 3 });
    expect(parseComputeApps(fixture('gtx1650-laptop-na', 'apps.out')).apps.map((a) => a.used_memory_mib)).toEqual([null, null]);
    const old = parseGpuQuery(fixture('gt710-not-supported', 'gpu.out')).gpus[0]!;
    expect(old).toMatchObject({ utilization_percent: null, power_draw_w: null, memory_used_mib: 301, temperature_c: 44 });
    expect(parseComputeApps(fixture('gt710-not-supported', 'apps.out'))).toEqual({ apps: [], warnings: [] });
    const unified = parseGpuQuery(fixture('gb10-unified-memory', 'gpu.out')).gpus[0]!;
    expect(unified).toMatchObject({ memory_used_mib: null, memory_total_mib: null, memory_utilization: null, utilization_percent: 78 });
  });

  it('keeps the readable GPUs of a partly failing multi-GPU machine and reports the rest as warnings', () => {
    const { gpus, warnings } = parseGpuQuery(fixture('v100x3-partial-failure', 'gpu.out'));
    expect(gpus.map((g) => g.index)).toEqual([0, 2]);
    expect(gpus[1]).toMatchObject({ utilization_percent: null, memory_used_mib: 0, memory_total_mib: null, temperature_c: null, power_draw_w: null });
    expect(warnings).toEqual([
      'Unable to determine the device handle for GPU0000:86:00.0: Unknown Error',
      expect.stringMatching(/GPU 2: only 5 of 8 fields reported/),
    ]);
  });

  it('tolerates units, CRLF, blank lines and a name containing commas', () => {
    const { gpus } = parseGpuQuery('\r\n1, Acme GPU, Rev 2, GPU-x, 45 %, 1024 MiB, 2048 MiB, 50 C, 70.5 W\r\n\r\n');
    expect(gpus).toEqual([
      expect.objectContaining({ index: 1, name: 'Acme GPU, Rev 2', uuid: 'GPU-x', utilization_percent: 45, memory_used_mib: 1024, memory_utilization: 0.5, temperature_c: 50, power_draw_w: 70.5 }),
    ]);
    expect([smiNumber('[Unknown Error]'), smiNumber('N/A'), smiNumber(''), smiNumber('abc'), smiNumber('12.5')]).toEqual([null, null, null, null, 12.5]);
    expect(parseGpuQuery('No devices were found\n')).toEqual({ gpus: [], warnings: ['No devices were found'] });
  });
});

describe('GPU telemetry sampler (fake nvidia-smi first on PATH)', () => {
  it('asks nvidia-smi for the documented fields and attaches per-process memory to each GPU', async () => {
    const s = sampler(smi.env('a100x4-busy'));
    const sample = gpuTelemetrySample.parse(await s.sample());
    expect(smi.calls()).toEqual(
      expect.arrayContaining([
        '--query-gpu=index,name,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw --format=csv,noheader,nounits',
        '--query-compute-apps=pid,used_memory,gpu_uuid --format=csv,noheader,nounits',
      ]),
    );
    expect(sample).toMatchObject({ state: 'ok', mode: 'gpu', warnings: [] });
    expect(sample.message).toMatch(/^4 GPUs/);
    expect(sample.gpus.map((g) => g.processes.map((p) => p.pid))).toEqual([[48211], [48212], [], [50977, 50978]]);
    expect(s.deviceCount()).toBe(4);
  });

  it('a partly failing machine is still "ok", with its problems as warnings', async () => {
    const sample = await sampler(smi.env('v100x3-partial-failure')).sample();
    expect(sample.state).toBe('ok');
    expect(sample.gpus.map((g) => g.index)).toEqual([0, 2]);
    expect(sample.gpus[0]!.processes).toEqual([{ pid: 7781, used_memory_mib: 9838 }]);
    expect(sample.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/exited with code 15/), expect.stringMatching(/Unknown Error/)]));
  });

  it('no GPU is a state, not an error: nvidia-smi missing, no devices, or no driver = "no GPU detected — CPU mode"', async () => {
    const missing = await sampler(smi.envWithoutNvidiaSmi()).sample();
    expect(missing).toMatchObject({ state: 'no_gpu', mode: 'cpu', gpus: [] });
    expect(missing.message).toMatch(/^no GPU detected — CPU mode \(nvidia-smi is not installed or not on PATH\)/);
    const none = await sampler(smi.env('no-devices')).sample();
    expect(none).toMatchObject({ state: 'no_gpu', mode: 'cpu', message: 'no GPU detected — CPU mode (nvidia-smi found no NVIDIA GPU)' });
    const noDriver = await sampler(smi.env('driver-not-loaded')).sample();
    expect(noDriver.state).toBe('no_gpu');
    expect(noDriver.message).toMatch(/the NVIDIA driver is not usable \(NVIDIA-SMI has failed because it couldn't communicate/);
    const s = sampler(smi.envWithoutNvidiaSmi());
    await s.sample();
    expect(s.deviceCount()).toBeNull();
  });

  it('looks nvidia-smi up on PATH without running it while it is missing, and finds it once it is installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxc-nvsmi-later-'));
    try {
      // The stand-in script needs cat; link it alone, so a real nvidia-smi on this machine stays out of PATH.
      const tools = join(dir, 'tools');
      mkdirSync(tools);
      symlinkSync(execFileSync('sh', ['-c', 'command -v cat'], { encoding: 'utf8' }).trim(), join(tools, 'cat'));
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      const env = { ...smi.env('rtx3060-idle'), PATH: `${bin}:${tools}` };
      const s = sampler(env);
      expect((await s.sample()).state).toBe('no_gpu');
      // A file that is not executable is not an nvidia-smi either (execvp skips it too).
      writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, 'nvidia-smi'), 0o644);
      expect((await s.sample()).message).toMatch(/not installed or not on PATH/);
      const calls = smi.calls().length;
      // "The driver gets installed": the same sampler picks it up at its next sample.
      copyFileSync(join(fixturesDir, 'bin', 'nvidia-smi'), join(bin, 'nvidia-smi'));
      chmodSync(join(bin, 'nvidia-smi'), 0o755);
      const found = await s.sample();
      expect(found).toMatchObject({ state: 'ok', mode: 'gpu' });
      expect(smi.calls().length).toBeGreaterThan(calls);
      // An absolute nvidia_smi_path is checked as it is.
      expect((await sampler(env, { nvidiaSmiPath: join(dir, 'missing', 'nvidia-smi') }).sample()).state).toBe('no_gpu');
      expect((await sampler(env, { nvidiaSmiPath: join(bin, 'nvidia-smi') }).sample()).state).toBe('ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a broken driver or a hung nvidia-smi is an error the operator sees', async () => {
    const mismatch = await sampler(smi.env('driver-library-mismatch')).sample();
    expect(mismatch).toMatchObject({ state: 'error', message: 'nvidia-smi failed (exit code 18): Failed to initialize NVML: Driver/library version mismatch' });
    const hung = await sampler(smi.env('hung'), { timeoutMs: 300, queryComputeApps: false }).sample();
    expect(hung).toMatchObject({ state: 'error', message: 'nvidia-smi did not answer within 300 ms' });
  });

  it('keeps the latest sample and a bounded time series, and puts every sample on the live feed', async () => {
    const events: GpuTelemetrySample[] = [];
    const s = sampler(smi.env('rtx3060-idle'), { historySize: 3 }, events);
    s.start();
    try {
      await new Promise<void>((resolve) => {
        const t = setInterval(() => events.length >= 5 && (clearInterval(t), resolve()), 20);
      });
    } finally {
      s.stop();
    }
    const report = gpuTelemetryReport.parse(s.report());
    expect(report.series).toHaveLength(3);
    expect(report.latest).toEqual(report.series[2]);
    expect(report).toMatchObject({ interval_ms: 50, history_size: 3 });
    const times = report.series.map((x) => Date.parse(x.timestamp));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(s.series(1)).toEqual([report.latest]);
    expect(events.every((e) => e.state === 'ok' && e.gpus[0]!.name === 'NVIDIA GeForce RTX 3060')).toBe(true);
  });

  it('telemetry switched off reports CPU mode without running nvidia-smi', async () => {
    const before = smi.calls().length;
    const sample = await sampler(smi.env('a100x4-busy'), { enabled: false }).sample();
    expect(sample).toMatchObject({ state: 'disabled', mode: 'cpu', gpus: [] });
    expect(smi.calls().length).toBe(before);
  });
});

describe('ring buffer', () => {
  it('keeps the newest items, oldest first', () => {
    const r = new RingBuffer<number>(3);
    expect(r.last()).toBeUndefined();
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.toArray(2)).toEqual([4, 5]);
    expect(r.toArray(0)).toEqual([]);
    expect(r.last()).toBe(5);
    expect(r.length).toBe(3);
  });
});
