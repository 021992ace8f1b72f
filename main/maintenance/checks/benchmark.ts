import { isAbsolute, resolve } from 'node:path';
import type { AudioBuffer16k } from '../../inference/types';
import { describeError } from '../../core/errors';
import type { Check } from '../types';

const BASELINE = 'benchmark_baseline';

interface Baseline {
  seconds_per_audio_minute: number;
  at: string;
  model: string;
  profile: string;
  execution_provider: string | null;
}

/**
 * Deterministic speech-like audio: a few formant-ish tones under a syllable-rate envelope
 * plus a little noise, so the decoder has something to chew on without shipping a file.
 */
export function syntheticAudio(seconds: number): AudioBuffer16k {
  const n = Math.round(seconds * 16000);
  const samples = new Float32Array(n);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  for (let i = 0; i < n; i++) {
    const t = i / 16000;
    const env = Math.max(0, Math.sin(2 * Math.PI * 4 * t)) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 0.3 * t));
    const f0 = 140 + 30 * Math.sin(2 * Math.PI * 0.5 * t);
    const v = Math.sin(2 * Math.PI * f0 * t) * 0.5 + Math.sin(2 * Math.PI * 2.7 * f0 * t) * 0.25 + Math.sin(2 * Math.PI * 5.1 * f0 * t) * 0.1;
    samples[i] = 0.3 * env * v + 0.01 * rand();
  }
  return { sampleRate: 16000, samples, offset: 0 };
}

/** §4.1 "performance benchmark": a short transcription through the engine, seconds per audio minute vs baseline and KPI. */
export const benchmark: Check = async (deps) => {
  const cfg = deps.config();
  const b = cfg.maintenance.benchmark;
  const engine = deps.ports.engine();
  if (!engine) {
    return { result: 'fail', summary: 'Benchmark not run: the inference engine is not available (service "engine" not installed)', details: { available: false } };
  }
  const input = b.audio ? (isAbsolute(b.audio) ? b.audio : resolve(cfg.source.dir, b.audio)) : syntheticAudio(b.duration_s);
  let loadMs: number;
  let wallMs: number;
  let audioSeconds: number;
  let segments: number;
  const locks = deps.ports.gpuLocks();
  let lease: { release(): Promise<boolean> } | null = null;
  try {
    if (cfg.profile.device !== 'cpu' && locks?.acquire) {
      lease = await locks.acquire({ device: cfg.profile.device_id, timeoutMs: b.gpu_wait_s * 1000, jobId: 'maintenance-benchmark' });
    }
    const t0 = performance.now();
    await engine.load();
    loadMs = performance.now() - t0;
    const t1 = performance.now();
    const r = await engine.transcribe(input, { vad: false, withoutTimestamps: true, language: cfg.model.language, decoding: { temperatures: [0] } });
    wallMs = performance.now() - t1;
    audioSeconds = typeof input === 'string' ? r.transcript.duration : b.duration_s;
    segments = r.transcript.segments.length;
  } catch (e) {
    return { result: 'fail', summary: `Benchmark transcription failed: ${describeError(e)}`, details: { engine: engine.status() } };
  } finally {
    await lease?.release().catch(() => false);
  }
  const status = engine.status();
  const spm = Math.round((wallMs / 1000 / (audioSeconds / 60)) * 1000) / 1000;
  const current: Baseline = { seconds_per_audio_minute: spm, at: new Date(deps.now()).toISOString(), model: cfg.model.name, profile: cfg.active_profile, execution_provider: status.execution_provider };
  const stored = await deps.history.getState<Baseline>(BASELINE);
  // A baseline only compares like with like: another model, profile or provider starts a new one.
  const comparable = stored && stored.model === current.model && stored.profile === current.profile && stored.execution_provider === current.execution_provider;
  if (!comparable) await deps.history.setState(BASELINE, current);
  const baseline = comparable ? stored : current;
  const max = cfg.kpi.seconds_per_audio_minute.max;
  const slower = spm / baseline.seconds_per_audio_minute - 1;
  const result = spm > max ? 'fail' : slower > b.degradation_tolerance ? 'warn' : 'ok';
  const vs = comparable ? `baseline ${baseline.seconds_per_audio_minute} s (${baseline.at}), ${slower >= 0 ? '+' : ''}${(slower * 100).toFixed(0)}%` : 'recorded as the new baseline';
  return {
    result,
    summary: `${spm} s per audio minute on ${status.execution_provider ?? '?'} (limit ${max} s; ${vs})`,
    details: {
      seconds_per_audio_minute: spm,
      kpi_max: max,
      baseline,
      new_baseline: !comparable,
      slower_than_baseline: Math.round(slower * 1000) / 1000,
      degradation_tolerance: b.degradation_tolerance,
      audio: typeof input === 'string' ? input : `synthetic ${b.duration_s} s`,
      audio_seconds: audioSeconds,
      transcribe_ms: Math.round(wallMs),
      load_ms: Math.round(loadMs),
      segments,
      engine: status,
    },
  };
};
