import { statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { CheckResult } from '../../contract/maintenance';
import type { MaintenanceConfig } from '../../core/config/sections/maintenance';
import type { GpuTelemetrySample } from '../../contract/gpu';
import { describeError } from '../../core/errors';
import { GpuTelemetrySampler } from '../../gpu/telemetry/sampler';
import { gpuTelemetrySettings } from '../../gpu/options';
import { formatBytes } from '../../monitoring/disk';
import type { Check, MaintenanceDeps } from '../types';

export interface HardwareFacts {
  gpu: { name: string | null; vram_gb: number } | null;
  gpu_note: string;
  cpu_cores: number;
  ram_gb: number;
}

/** GPU from the telemetry service, else one nvidia-smi sample of our own (the same parser). */
async function gpuSample(deps: MaintenanceDeps): Promise<GpuTelemetrySample | null> {
  const latest = deps.ports.gpuTelemetry()?.latest();
  if (latest) return latest;
  const settings = gpuTelemetrySettings(deps.config().gpu.telemetry);
  if (!settings.enabled) return null;
  try {
    return await new GpuTelemetrySampler({ settings: { ...settings, queryComputeApps: false } }).sample();
  } catch {
    return null;
  }
}

export async function hardwareFacts(deps: MaintenanceDeps): Promise<HardwareFacts> {
  const s = await gpuSample(deps);
  const gpus = s?.state === 'ok' ? s.gpus.filter((g) => g.memory_total_mib !== null) : [];
  const best = gpus.sort((a, b) => (b.memory_total_mib ?? 0) - (a.memory_total_mib ?? 0))[0];
  return {
    gpu: best ? { name: best.name, vram_gb: Math.round(((best.memory_total_mib ?? 0) / 1024) * 10) / 10 } : null,
    gpu_note: s ? s.message : 'GPU telemetry disabled (gpu.telemetry.enabled: false)',
    cpu_cores: cpus().length,
    ram_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  };
}

/** Which of the manual's three profiles (§4.2) fits this hardware, and why. */
export function recommendProfile(hw: HardwareFacts, advice: MaintenanceConfig['profile_advice']): { profile: string; reason: string } {
  const hp = advice.high_performance;
  if (!hw.gpu) return { profile: advice.cpu.profile, reason: `no GPU detected (${hw.gpu_note}): the CPU profile (device cpu, batch_size 1)` };
  const short: string[] = [];
  if (hw.gpu.vram_gb < hp.min_vram_gb) short.push(`${hw.gpu.vram_gb} GB VRAM < ${hp.min_vram_gb} GB`);
  if (hw.cpu_cores < hp.min_cpu_cores) short.push(`${hw.cpu_cores} CPU cores < ${hp.min_cpu_cores}`);
  if (hw.ram_gb < hp.min_ram_gb) short.push(`${hw.ram_gb} GB RAM < ${hp.min_ram_gb} GB`);
  if (short.length === 0) {
    return { profile: hp.profile, reason: `${hw.gpu.name ?? 'GPU'} with ${hw.gpu.vram_gb} GB VRAM, ${hw.cpu_cores} cores, ${hw.ram_gb} GB RAM meets the high-performance profile (RTX 3060 class: batch 8, 8 threads, float16)` };
  }
  return { profile: advice.memory_limited.profile, reason: `${hw.gpu.name ?? 'GPU'} present but ${short.join(', ')}: the memory-limited profile (batch 2, int8, 4 threads)` };
}

/** §6 weekly "check configuration optimisation". */
export const configOptimisation: Check = async (deps) => {
  const cfg = deps.config();
  const hw = await hardwareFacts(deps);
  const rec = recommendProfile(hw, cfg.maintenance.profile_advice);
  const defined = rec.profile in cfg.profiles;
  const result: CheckResult = !defined || rec.profile !== cfg.active_profile ? 'warn' : 'ok';
  const summary = !defined
    ? `Recommended profile "${rec.profile}" is not defined in config.yml profiles: ${rec.reason}`
    : rec.profile === cfg.active_profile
      ? `Active profile "${cfg.active_profile}" fits this machine: ${rec.reason}`
      : `Switch active_profile from "${cfg.active_profile}" to "${rec.profile}": ${rec.reason}`;
  return { result, summary, details: { hardware: hw, recommended: rec.profile, reason: rec.reason, active_profile: cfg.active_profile, profile_settings: cfg.profiles[rec.profile] ?? null } };
};

export interface DiskSample {
  ts: number;
  used_bytes: number;
  free_bytes: number;
  total_bytes: number;
}

export const DISK_SAMPLES = 'disk_samples';

export async function sampleDisk(deps: MaintenanceDeps): Promise<DiskSample> {
  const cfg = deps.config();
  const s = statfsSync(cfg.paths.results);
  const sample: DiskSample = { ts: deps.now(), total_bytes: s.blocks * s.bsize, free_bytes: s.bavail * s.bsize, used_bytes: (s.blocks - s.bfree) * s.bsize };
  const c = cfg.maintenance.capacity;
  await deps.history.addSample(DISK_SAMPLES, sample, Math.ceil((c.window_days * 1440) / c.sample_interval_m) + 10);
  return sample;
}

/** Least-squares slope of used bytes over time, in bytes per day. */
export function growthPerDay(samples: DiskSample[]): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.ts, 0) / n;
  const my = samples.reduce((s, p) => s + p.used_bytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.ts - mx) * (p.used_bytes - my);
    den += (p.ts - mx) ** 2;
  }
  return den === 0 ? null : (num / den) * 86_400_000;
}

/** §6 monthly/quarterly capacity planning: disk growth → days until full; job arrival vs throughput. */
export const capacity: Check = async (deps) => {
  const c = deps.config().maintenance.capacity;
  const now = await sampleDisk(deps);
  const samples = (await deps.history.samples<DiskSample>(DISK_SAMPLES)).filter((s) => s.ts >= deps.now() - c.window_days * 86_400_000);
  const span_h = samples.length ? (now.ts - Math.min(...samples.map((s) => s.ts))) / 3_600_000 : 0;
  const rate = span_h >= 1 ? growthPerDay(samples) : null;
  const days = rate && rate > 0 ? Math.round((now.free_bytes / rate) * 10) / 10 : null;
  const parts: string[] = [];
  let result: CheckResult = 'ok';
  if (rate === null) parts.push(`disk growth not estimable yet (${samples.length} sample(s) over ${span_h.toFixed(1)} h; one is taken every ${c.sample_interval_m} min)`);
  else if (days === null) parts.push(`disk use is not growing (${formatBytes(Math.abs(rate))}/day ${rate < 0 ? 'shrinking' : 'flat'}), ${formatBytes(now.free_bytes)} free`);
  else {
    parts.push(`disk grows ${formatBytes(rate)}/day, ${formatBytes(now.free_bytes)} free: full in ${days} days`);
    result = days < c.fail_days_until_full ? 'fail' : days < c.warn_days_until_full ? 'warn' : 'ok';
  }
  let jobs: unknown = 'job statistics not installed';
  const stats = deps.ports.jobStats();
  if (stats) {
    try {
      const t = await stats.throughput(c.jobs_window_h * 3_600_000);
      jobs = { ...t, window_h: c.jobs_window_h };
      if (t.arrived > t.completed + (t.failed ?? 0)) {
        parts.push(`jobs arrive faster than they finish (${t.arrived} arrived, ${t.completed} completed in ${c.jobs_window_h} h): the queue is growing`);
        if (result === 'ok') result = 'warn';
      } else parts.push(`throughput keeps up (${t.arrived} arrived, ${t.completed} completed in ${c.jobs_window_h} h)`);
    } catch (e) {
      jobs = { error: describeError(e) };
      parts.push(`job statistics failed: ${describeError(e)}`);
    }
  } else parts.push('job statistics not available (jobs module not installed)');
  return {
    result,
    summary: parts.join('; '),
    details: { growth_bytes_per_day: rate, days_until_full: days, free_bytes: now.free_bytes, total_bytes: now.total_bytes, samples: samples.length, span_h: Math.round(span_h * 10) / 10, thresholds: { warn_days: c.warn_days_until_full, fail_days: c.fail_days_until_full }, jobs },
  };
};
