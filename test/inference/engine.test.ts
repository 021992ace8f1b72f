import { mkdtempSync, rmSync, symlinkSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineStatus } from '../../main/contract/model';
import { WhisperEngine, type WhisperEngineOptions } from '../../main/inference/engine/engine';
import type { PipelineProgress } from '../../main/inference/types';
import { goldenDir, tinyModelDir } from './golden';

const profile: WhisperEngineOptions['profile'] = {
  device: 'auto',
  device_id: 0,
  batch_size: 1,
  faster_whisper_threads: 1,
  compute_type: 'float32',
  use_faster_whisper: true,
  beam_size: 1,
};
const fastDecoding = { temperatures: [0], noSpeechThreshold: null, logProbThreshold: null, compressionRatioThreshold: null };
const tone = (seconds: number) => ({ sampleRate: 16000 as const, samples: new Float32Array(seconds * 16000).map((_, i) => 0.2 * Math.sin(i / 9)), offset: 0 });

describe('WhisperEngine: a worker thread owns the sessions', () => {
  const engines: WhisperEngine[] = [];
  const make = (o: Partial<WhisperEngineOptions> = {}) => {
    const e = new WhisperEngine({ modelDir: tinyModelDir, profile, vadModelPath: null, ...o });
    engines.push(e);
    return e;
  };
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.unload()));
  });

  it('WHISPERX_GRAPH_REWRITE=off loads both graphs as exported, and says so', async () => {
    process.env.WHISPERX_GRAPH_REWRITE = 'off';
    try {
      const e = make();
      await e.load();
      const s = engineStatus.parse(e.status());
      expect(s.graph_rewrite).toBe('decoder loaded as exported: rewrite turned off');
      expect(s.encoder_rewrite).toBe('encoder loaded as exported: rewrite turned off');
      await e.unload();
    } finally {
      delete process.env.WHISPERX_GRAPH_REWRITE;
    }
  });

  it('device auto on a machine without CUDA falls back to CPU and says why', async () => {
    const e = make();
    expect(e.status().state).toBe('not_loaded');
    await e.load();
    const s = engineStatus.parse(e.status());
    expect(s).toMatchObject({ state: 'ready', execution_provider: 'cpu', error: null, variant_file: join(tinyModelDir, 'onnx/encoder_model.onnx') });
    expect(s.execution_provider_reason).toMatch(/CUDA unavailable, fell back to CPU/);
    expect(s.load_time_ms).toBeGreaterThan(0);
    expect(s.graph_rewrite).toBe('cross-attention keys pre-transposed after step 1 (2 layers); self-attention cache grown in place (4 tensors); greedy tokens picked in the graph');
    expect(s.encoder_rewrite).toBe('self-attention fused into MultiHeadAttention (2 layers)');
    await e.unload();
    expect(e.status()).toMatchObject({ state: 'not_loaded', execution_provider: null, variant_file: null });
  });

  it('reports a missing model folder as unavailable before any load', () => {
    const e = make({ modelDir: join(tinyModelDir, 'nope') });
    expect(e.status()).toMatchObject({ state: 'unavailable', message: expect.stringContaining('does not exist') });
  });

  it('device cuda, asked for explicitly, is a clear error rather than a silent CPU run', async () => {
    const e = make({ profile: { ...profile, device: 'cuda', device_id: 1 } });
    await expect(e.load()).rejects.toMatchObject({ code: 'engine_cuda_unavailable', message: expect.stringMatching(/CUDA was requested \(device cuda, device_id 1\)/) });
    expect(e.status()).toMatchObject({ state: 'unavailable', execution_provider: null });
    expect(e.status().error).toMatch(/CUDA/);
  });

  it('device cpu uses CPU without trying CUDA; the compute type picks the variant file', async () => {
    const e = make({ profile: { ...profile, device: 'cpu', compute_type: 'int8' } });
    await e.load();
    expect(e.status()).toMatchObject({ execution_provider: 'cpu', execution_provider_reason: 'device cpu requested by the profile' });
    expect(e.status().variant_file).toBe(join(tinyModelDir, 'onnx/encoder_model_int8.onnx'));
  });

  it.runIf(process.platform === 'linux')('runs inference (worker thread and its onnxruntime threads) at the configured nice value, leaving the calling thread alone', async () => {
    const niceOf = () =>
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    const mine = os.getPriority();
    const before = niceOf().filter((n) => n === 7).length;
    const e = make({ profile: { ...profile, device: 'cpu', faster_whisper_threads: 2 }, nice: 7 });
    await e.load();
    await e.transcribe(tone(2), { decoding: fastDecoding });
    // The worker thread and onnxruntime's second intra-op thread (threads: 2).
    expect(niceOf().filter((n) => n === 7).length - before).toBeGreaterThanOrEqual(2);
    expect(os.getPriority()).toBe(mine);
  });

  it('a compute type the folder lacks is an error listing what it has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wx-model-'));
    try {
      for (const f of readdirSync(tinyModelDir)) if (f !== 'onnx') symlinkSync(join(tinyModelDir, f), join(dir, f));
      mkdirSync(join(dir, 'onnx'));
      for (const f of ['encoder_model.onnx', 'decoder_model_merged.onnx']) symlinkSync(join(tinyModelDir, 'onnx', f), join(dir, 'onnx', f));
      const e = make({ modelDir: dir, profile: { ...profile, compute_type: 'float16' } });
      expect(e.status()).toMatchObject({ state: 'unavailable', message: expect.stringContaining('has no float16 files') });
      await expect(e.load()).rejects.toMatchObject({ code: 'model_variant_missing', message: expect.stringContaining('has float32 (encoder_model.onnx)') });
      expect(e.status().state).toBe('unavailable');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports progress (stage, fraction, audio seconds, ETA) and keeps the event loop free', async () => {
    const e = make({ profile: { ...profile, device: 'cpu', batch_size: 2 } });
    const events: PipelineProgress[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const t0 = performance.now();
    const r = await e.transcribe(tone(95), { vad: false, decoding: fastDecoding }, { onProgress: (p) => events.push(p) });
    const wallMs = performance.now() - t0;
    clearInterval(timer);
    expect(r.chunks).toBe(4);
    expect(r.transcript.duration).toBe(95);
    expect(r.transcript.segments.map((s) => [s.start, s.end])).toEqual([[0, 30], [30, 60], [60, 90], [90, 95]]);
    const fractions = events.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(events[events.length - 1]).toMatchObject({ stage: 'write', fraction: 1, audioSecondsDone: 95, audioSecondsTotal: 95, etaSeconds: 0 });
    expect(events.some((p) => p.stage === 'decoder' && p.etaSeconds !== null && p.etaSeconds > 0)).toBe(true);
    // The main thread's timers kept running while the worker decoded.
    expect(ticks).toBeGreaterThan(wallMs / 20 / 4);
  });

  it('cancels a running job between model runs; the worker stays loaded for the next job', async () => {
    const e = make({ profile: { ...profile, device: 'cpu' } });
    await e.load();
    const ac = new AbortController();
    let abortedAt = 0;
    const job = e.transcribe(tone(300), { vad: false, decoding: fastDecoding }, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.stage === 'decoder' && p.audioSecondsDone > 0 && !ac.signal.aborted) {
          abortedAt = performance.now();
          ac.abort();
        }
      },
    });
    await expect(job).rejects.toMatchObject({ code: 'cancelled' });
    const stopMs = performance.now() - abortedAt;
    // Stopped gracefully (no terminate): the sessions are still there.
    expect(e.status().state).toBe('ready');
    const next = await e.transcribe(tone(5), { vad: false, decoding: fastDecoding });
    expect(next.chunks).toBe(1);
    console.log(`cancel took ${stopMs.toFixed(0)} ms`);
  });

  it('an already aborted signal never starts the job', async () => {
    const e = make({ profile: { ...profile, device: 'cpu' } });
    await expect(e.transcribe(tone(5), {}, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('transcribes a file: ffmpeg decode, Silero VAD, cut & merge, Whisper', async () => {
    const e = make({ profile: { ...profile, device: 'cpu' }, vadModelPath: undefined });
    const r = await e.transcribe(join(goldenDir, 'inputs/speech.wav'), { decoding: fastDecoding });
    expect(r.transcript.duration).toBeGreaterThan(1);
    expect(r.chunks).toBe(1);
    const [seg] = r.transcript.segments;
    expect(seg!.start).toBeGreaterThanOrEqual(0);
    expect(seg!.end).toBeLessThanOrEqual(r.transcript.duration + 0.05);
    expect(seg!.tokens!.length).toBeGreaterThan(0);
    expect(r.timings.vad_ms).toBeGreaterThan(0);
    expect(r.timings.decode_ms).toBeGreaterThan(0);
    const silence = await e.transcribe(join(goldenDir, 'inputs/silence.wav'), { decoding: fastDecoding });
    expect(silence.transcript.segments).toEqual([]);
    await expect(e.transcribe(join(goldenDir, 'no-such.wav'))).rejects.toMatchObject({ code: expect.stringMatching(/^audio_/) });
  });
});
