/**
 * The inference engine as the rest of the console sees it: load / transcribe / cancel /
 * unload / status, with the onnxruntime sessions in a worker thread.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EngineStatus } from '../../contract/model';
import { ConsoleError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { Profile } from '../../core/config/sections/profiles';
import type { FfmpegSettings } from '../../audio';
import { inspectModelFolder, MODEL_HINT, pickVariant, requiredModelFiles, suffixesFor } from '../catalog';
import type { StageTimings } from '../pipeline';
import type { AudioBuffer16k, PipelineProgress, Transcript } from '../types';
import { defaultDecodingOptions, type WhisperDecodingOptions } from '../whisper/transcriber';
import type { DiarizeRequest, FromWorker, LoadedInfo, SerializedError, ToWorker } from './protocol';
import type { SpeakerModels } from '../speakers';

export interface WhisperEngineOptions {
  /** Model folder (absolute). */
  modelDir: string;
  modelName?: string;
  profile: Pick<Profile, 'device' | 'device_id' | 'batch_size' | 'faster_whisper_threads' | 'compute_type' | 'use_faster_whisper' | 'beam_size'>;
  /** Silero model; undefined = the bundled one, null = never run VAD. */
  vadModelPath?: string | null;
  logger?: Logger;
  /** ffmpeg paths (config.yml audio.*): the worker decodes files, so it needs them too. */
  ffmpeg?: FfmpegSettings;
  /** Worker entry override (tests, packaging). */
  workerUrl?: URL;
  /** How long a cancelled job may take to stop before the worker is terminated. */
  cancelGraceMs?: number;
  /** Alignment and diarization models (config.yml alignment / diarization); unset = neither is available. */
  speakers?: SpeakerModels;
  /** model.inference_nice: the worker's nice value on Linux (default 0 = unchanged). */
  nice?: number;
}

export interface TranscribeRequest {
  language?: string | null;
  task?: 'transcribe' | 'translate';
  beamSize?: number;
  batchSize?: number;
  vad?: boolean;
  initialPrompt?: string | null;
  withoutTimestamps?: boolean;
  /** Fine-grained decoding overrides (tests, benchmarks). */
  decoding?: Partial<WhisperDecodingOptions>;
  windowSeconds?: number;
  /** Word timestamps by forced alignment (WhisperX --align). */
  align?: boolean;
  /** Who spoke when (WhisperX --diarize), with optional speaker counts. */
  diarize?: boolean;
  numSpeakers?: number;
  minSpeakers?: number;
  maxSpeakers?: number;
}

export interface TranscribeHooks {
  signal?: AbortSignal;
  onProgress?: (p: PipelineProgress) => void;
}

export interface TranscribeResult {
  transcript: Transcript;
  timings: StageTimings;
  chunks: number;
}

/** The worker entry: worker.ts under tsx (source, tests), else the bundled engine-worker.js beside the bundle (tools/build.mjs). */
export function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL('./worker.ts', here);
  for (const name of ['./engine-worker.js', './worker.js']) {
    const url = new URL(name, here);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return new URL('./engine-worker.js', here);
}

/**
 * A .ts entry is started through tsx's register API from a tiny eval shim: execArgv
 * `--import tsx` is not honoured for workers started from a tsx/vitest process here.
 */
function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const api = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  const shim = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(shim, { eval: true });
}

function toError(e: SerializedError): ConsoleError {
  return new ConsoleError(e.code, e.message, { hint: e.hint, details: e.details, status: e.status ?? 500 });
}

interface Pending {
  resolve: (r: TranscribeResult) => void;
  reject: (e: unknown) => void;
  onProgress: ((p: PipelineProgress) => void) | undefined;
}

export class WhisperEngine {
  private worker: Worker | null = null;
  private info: LoadedInfo | null = null;
  private state: EngineStatus['state'] = 'not_loaded';
  private lastError: string | null = null;
  private loading: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private loadWaiter: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  private unloadWaiter: (() => void) | null = null;
  private speakersWaiter: ((released: string[]) => void) | null = null;

  constructor(private readonly opts: WhisperEngineOptions) {}

  status(): EngineStatus {
    const name = this.opts.modelName ?? basename(this.opts.modelDir);
    if (this.state === 'not_loaded') {
      // Before the first load, say whether loading can work at all (files on disk only).
      const problem = folderProblem(this.opts.modelDir, name, this.opts.profile.compute_type);
      if (problem)
        return { state: 'unavailable', message: problem, execution_provider: null, execution_provider_reason: null, variant_file: null, load_time_ms: null, graph_rewrite: null, encoder_rewrite: null, error: MODEL_HINT };
    }
    const messages: Record<EngineStatus['state'], string> = {
      not_loaded: `Model ${name} not loaded; loads on first use`,
      loading: `Loading ${name}`,
      ready: `Model ${name} ready on ${this.info?.choice.provider ?? '?'} (${this.info?.computeType ?? '?'})`,
      busy: `Transcribing with ${name} on ${this.info?.choice.provider ?? '?'}`,
      error: `Model ${name} failed to load`,
      unavailable: `Model ${name} unavailable`,
    };
    return {
      state: this.state,
      message: messages[this.state],
      execution_provider: this.info?.choice.provider ?? null,
      execution_provider_reason: this.info?.choice.reason ?? null,
      variant_file: this.info?.variantFile ?? null,
      load_time_ms: this.info ? Math.round(this.info.loadTimeMs) : null,
      graph_rewrite: this.info?.graphRewrite ?? null,
      encoder_rewrite: this.info?.encoderRewrite ?? null,
      error: this.lastError,
    };
  }

  /** Start the worker and open the sessions (idempotent; concurrent callers share one load). */
  load(): Promise<void> {
    if (this.info && this.worker) return Promise.resolve();
    this.loading ??= this.doLoad().finally(() => (this.loading = null));
    return this.loading;
  }

  private spawn(): Worker {
    const w = startWorker(this.opts.workerUrl ?? defaultWorkerUrl());
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (e) => this.onWorkerGone(e));
    w.on('exit', (code) => this.onWorkerGone(new Error(`inference worker exited with code ${code}`)));
    return w;
  }

  private async doLoad(): Promise<void> {
    this.state = 'loading';
    this.lastError = null;
    this.worker ??= this.spawn();
    const p = this.opts.profile;
    const done = new Promise<void>((resolve, reject) => (this.loadWaiter = { resolve, reject }));
    this.send({
      type: 'load',
      modelDir: this.opts.modelDir,
      modelName: this.opts.modelName ?? basename(this.opts.modelDir),
      computeType: p.compute_type,
      provider: { device: p.device, deviceId: p.device_id, threads: p.faster_whisper_threads, optimize: p.use_faster_whisper },
      vadModelPath: this.opts.vadModelPath,
      ffmpeg: this.opts.ffmpeg,
      nice: this.opts.nice ?? 0,
    });
    try {
      await done;
      this.state = 'ready';
      this.opts.logger?.info({ provider: this.info?.choice, variant: this.info?.variantFile, load_ms: this.info?.loadTimeMs, nice: this.info?.nice }, 'whisper model loaded');
      if (this.info?.niceProblem) this.opts.logger?.warn({ nice: this.opts.nice }, this.info.niceProblem);
    } catch (e) {
      this.state = isUnavailable(e) ? 'unavailable' : 'error';
      this.lastError = e instanceof Error ? e.message : String(e);
      await this.stopWorker();
      throw e;
    }
  }

  async transcribe(input: string | AudioBuffer16k, req: TranscribeRequest = {}, hooks: TranscribeHooks = {}): Promise<TranscribeResult> {
    if (hooks.signal?.aborted) throw cancelledError();
    await this.load();
    // A cancel (or a lost GPU lock) while the model was loading must not be missed.
    if (hooks.signal?.aborted) throw cancelledError();
    const id = this.nextId++;
    const p = this.opts.profile;
    const decoding: WhisperDecodingOptions = {
      ...defaultDecodingOptions,
      beamSize: req.beamSize ?? p.beam_size,
      language: req.language ?? null,
      task: req.task ?? 'transcribe',
      initialPrompt: req.initialPrompt ?? null,
      withoutTimestamps: req.withoutTimestamps ?? true,
      ...req.decoding,
    };
    // Refused before any work: a stage that is not configured, speaker bounds that contradict.
    const align = req.align ? { models: this.speakers('align').alignModels } : null;
    const diarize = req.diarize ? diarizeRequest(this.speakers('diarize').diarization, req) : null;
    const result = new Promise<TranscribeResult>((resolve, reject) => this.pending.set(id, { resolve, reject, onProgress: hooks.onProgress }));
    const onAbort = () => this.cancel(id);
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    this.state = 'busy';
    const base = {
      type: 'transcribe' as const,
      id,
      batchSize: req.batchSize ?? p.batch_size,
      decoding,
      vad: req.vad ?? true,
      windowSeconds: req.windowSeconds,
      align,
      diarize,
    };
    if (typeof input === 'string') this.send({ ...base, file: input });
    else {
      const samples = input.samples.slice();
      this.send({ ...base, samples, offset: input.offset }, [samples.buffer]);
    }
    try {
      return await result;
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
      if (this.pending.size === 0 && this.state === 'busy') this.state = 'ready';
    }
  }

  private speakers(what: 'align' | 'diarize'): SpeakerModels {
    if (this.opts.speakers) return this.opts.speakers;
    throw new ConsoleError(`${what}_unavailable`, `${what === 'align' ? 'Alignment' : 'Diarization'} is not configured for this engine`, {
      hint: 'Set the alignment / diarization sections of config.yml (the bundled demo models are the default).',
      status: 400,
    });
  }

  /** The emergency "restart diarization": release the alignment and diarization sessions; the next job that asks loads them again. */
  async unloadSpeakers(): Promise<string[]> {
    if (!this.worker) return [];
    const done = new Promise<string[]>((resolve) => (this.speakersWaiter = resolve));
    this.send({ type: 'unload_speakers' });
    return Promise.race([done, new Promise<string[]>((r) => setTimeout(() => r([]), 10_000).unref())]);
  }

  /** Stop a job: the worker checks between model runs; past the grace period it is terminated. */
  private cancel(id: number): void {
    if (!this.pending.has(id)) return;
    this.send({ type: 'cancel', id });
    const grace = this.opts.cancelGraceMs ?? 2000;
    setTimeout(() => {
      const job = this.pending.get(id);
      if (!job) return;
      this.opts.logger?.warn({ id }, 'inference worker did not stop in time; terminating it');
      this.pending.delete(id);
      job.reject(cancelledError());
      void this.stopWorker();
    }, grace).unref();
  }

  /** Release the sessions and stop the worker. */
  async unload(): Promise<void> {
    if (!this.worker) return;
    await this.loading?.catch(() => undefined);
    if (this.worker) {
      const done = new Promise<void>((resolve) => (this.unloadWaiter = resolve));
      this.send({ type: 'unload' });
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    await this.stopWorker();
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.info = null;
    if (this.state !== 'error' && this.state !== 'unavailable') this.state = 'not_loaded';
    if (w) {
      w.removeAllListeners('exit');
      w.removeAllListeners('error');
      w.on('error', () => undefined);
      await w.terminate();
    }
    for (const [id, job] of this.pending) {
      this.pending.delete(id);
      job.reject(new ConsoleError('engine_stopped', 'The inference worker stopped before the job finished.', { status: 503 }));
    }
  }

  private send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker?.postMessage(m, transfer);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'loaded':
        this.info = m.info;
        this.loadWaiter?.resolve();
        this.loadWaiter = null;
        break;
      case 'load_failed':
        this.loadWaiter?.reject(toError(m.error));
        this.loadWaiter = null;
        break;
      case 'progress':
        this.pending.get(m.id)?.onProgress?.(m.progress);
        break;
      case 'result': {
        const job = this.pending.get(m.id);
        this.pending.delete(m.id);
        job?.resolve({ transcript: m.transcript, timings: m.timings, chunks: m.chunks });
        break;
      }
      case 'failed': {
        const job = this.pending.get(m.id);
        this.pending.delete(m.id);
        job?.reject(m.cancelled ? cancelledError() : toError(m.error));
        break;
      }
      case 'unloaded':
        this.unloadWaiter?.();
        this.unloadWaiter = null;
        break;
      case 'speakers_unloaded':
        this.speakersWaiter?.(m.released);
        this.speakersWaiter = null;
        break;
    }
  }

  private onWorkerGone(e: Error): void {
    this.opts.logger?.error({ err: e.message }, 'inference worker failed');
    this.lastError = e.message;
    this.loadWaiter?.reject(new ConsoleError('engine_failed', `The inference worker failed: ${e.message}`, { status: 500 }));
    this.loadWaiter = null;
    this.worker = null;
    this.info = null;
    this.state = 'error';
    for (const [id, job] of this.pending) {
      this.pending.delete(id);
      job.reject(new ConsoleError('engine_failed', `The inference worker failed: ${e.message}`, { status: 500 }));
    }
  }
}

function folderProblem(dir: string, name: string, computeType: Profile['compute_type']): string | null {
  // /health asks on every request: answer from a few existsSync calls while nothing is
  // missing, and inspect the folder in full only to word a problem.
  const variant = suffixesFor[computeType].some((sfx) => existsSync(join(dir, 'onnx', `encoder_model${sfx}.onnx`)) && existsSync(join(dir, 'onnx', `decoder_model_merged${sfx}.onnx`)));
  if (variant && requiredModelFiles.every((f) => existsSync(join(dir, f)))) return null;
  const info = inspectModelFolder(dir, name);
  if (info.problem) return `Model ${name}: ${info.problem}`;
  try {
    pickVariant(info, computeType);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function diarizeRequest(d: SpeakerModels['diarization'], req: TranscribeRequest): DiarizeRequest {
  const minSpeakers = req.minSpeakers ?? d.minSpeakers;
  const maxSpeakers = req.maxSpeakers ?? d.maxSpeakers;
  if (minSpeakers !== undefined && maxSpeakers !== undefined && minSpeakers > maxSpeakers) {
    throw new ConsoleError('diarize_bad_speakers', `min speakers (${minSpeakers}) is above max speakers (${maxSpeakers})`, { hint: 'Give a minimum that is at most the maximum.', status: 400 });
  }
  return {
    ...d,
    ...(req.numSpeakers !== undefined ? { numSpeakers: req.numSpeakers } : {}),
    ...(minSpeakers !== undefined ? { minSpeakers } : {}),
    ...(maxSpeakers !== undefined ? { maxSpeakers } : {}),
  };
}

export function cancelledError(): ConsoleError {
  return new ConsoleError('cancelled', 'Transcription cancelled.', { status: 499 });
}

function isUnavailable(e: unknown): boolean {
  return e instanceof ConsoleError && ['model_unavailable', 'model_variant_missing', 'engine_cuda_unavailable'].includes(e.code);
}
