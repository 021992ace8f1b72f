import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobProgress, JobResult } from '../contract/jobs';
import { checkInputFile } from '../audio/input-file';
import { describeError, isConsoleError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import type { AcquireOptions, GpuLease } from '../gpu';
import type { PipelineProgress } from '../inference/types';
import { encodeJobError, isPermanent, jobErrorFrom } from './errors';
import { cancelledJobError, type BullJob, type TranscriptionJobData } from './queue';
import type { WorkerRegistry } from './registry';
import type { ResultsStore } from './results';
import type { JobKeys, JobSettings } from './settings';
import type { JobStats } from './stats';
import type { Transcriber } from './transcriber';

/** The part of the GPU lock manager a worker uses. */
export interface GpuLockAcquirer {
  acquire(opts: AcquireOptions): Promise<GpuLease>;
}

export interface TranscriptionWorkerOptions {
  settings: JobSettings;
  keys: JobKeys;
  /** Opens a connection with maxRetriesPerRequest null (BullMQ's requirement); the worker closes them. */
  connect: () => Redis;
  transcriber: Transcriber;
  gpuLocks: GpuLockAcquirer;
  results: ResultsStore;
  stats: JobStats;
  registry: WorkerRegistry;
  /** GPU indices served; one lock each. */
  devices: number[];
  concurrencyPerDevice: number;
  /** How long a run waits for its GPU lock; undefined = the lock manager's default. */
  gpuWaitMs?: number | undefined;
  mode: 'console' | 'headless';
  logger?: Logger;
  /** Each progress update this worker reports (throttled), besides the one written to the job. */
  onProgress?: (id: string, p: JobProgress) => void;
}

type StopReason = 'cancelled' | 'shutdown';

class StopRequest extends Error {
  constructor(readonly why: StopReason) {
    super(why === 'cancelled' ? 'Cancelled by an operator' : 'The worker is shutting down');
  }
}

interface Running {
  controller: AbortController;
  device: number;
}

/**
 * Takes jobs from the queue: checks the input, waits for its device's GPU lock, runs the
 * engine under the lock's signal, writes the result with the lock's fencing token, releases.
 * A lost lock or a shutdown puts the job back without using up an attempt; a bad input fails
 * it at once with the error kept on the job; other failures are retried with backoff.
 */
export class TranscriptionWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private worker: Worker<TranscriptionJobData, JobResult> | undefined;
  private subscriber: Redis | undefined;
  private commands: Redis | undefined;
  private connection: Redis | undefined;
  private readonly running = new Map<string, Running>();
  private stopAnnouncing: (() => Promise<void>) | undefined;
  private closing = false;
  private jobsDone = 0;
  private readonly startedAt = new Date().toISOString();
  private readonly logger: Logger;

  constructor(private readonly opts: TranscriptionWorkerOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  get concurrency(): number {
    return this.opts.devices.length * this.opts.concurrencyPerDevice;
  }

  async start(): Promise<void> {
    const { settings } = this.opts;
    this.commands = this.opts.connect();
    this.subscriber = this.opts.connect();
    this.subscriber.on('message', (_channel: string, id: string) => this.abort(id, 'cancelled'));
    // Not awaited: with Redis down at start the console must still come up; ioredis
    // subscribes once connected and again after every reconnect.
    this.subscriber.subscribe(this.opts.keys.cancelChannel).catch((e: unknown) => this.logger.warn({ err: describeError(e) }, 'cancel channel subscription failed'));
    this.connection = this.opts.connect();
    this.worker = new Worker<TranscriptionJobData, JobResult>(settings.queueName, (job, token) => this.process(job as BullJob, token), {
      connection: this.connection,
      concurrency: this.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      name: this.id,
    });
    this.worker.on('error', (e) => this.logger.warn({ err: describeError(e) }, 'job worker error (Redis away?)'));
    this.stopAnnouncing = this.opts.registry.announce(
      () => ({
        id: this.id,
        host: hostname(),
        pid: process.pid,
        devices: this.opts.devices,
        concurrency: this.concurrency,
        current_jobs: [...this.running.keys()],
        started_at: this.startedAt,
        mode: this.opts.mode,
        jobs_done: this.jobsDone,
      }),
      this.logger,
    );
    this.logger.info({ worker: this.id, devices: this.opts.devices, concurrency: this.concurrency }, 'job worker started');
  }

  /** Jobs running in this process now. */
  current(): string[] {
    return [...this.running.keys()];
  }

  private abort(id: string, why: StopReason): void {
    const r = this.running.get(id);
    if (r && !r.controller.signal.aborted) r.controller.abort(new StopRequest(why));
  }

  private pickDevice(): number {
    const load = new Map(this.opts.devices.map((d) => [d, 0]));
    for (const r of this.running.values()) load.set(r.device, (load.get(r.device) ?? 0) + 1);
    return [...load.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  }

  private async cancelRequested(id: string): Promise<boolean> {
    return (await this.commands!.exists(this.opts.keys.cancel(id))) === 1;
  }

  private async process(job: BullJob, token: string | undefined): Promise<JobResult> {
    const id = job.id!;
    const t0 = performance.now();
    const controller = new AbortController();
    const device = this.pickDevice();
    this.running.set(id, { controller, device });
    let stage = 'input';
    let lease: GpuLease | undefined;
    try {
      if (await this.cancelRequested(id)) throw new StopRequest('cancelled');
      const { file } = await checkInputFile(job.data.input.path);
      stage = 'gpu_lock';
      lease = await this.opts.gpuLocks.acquire({ device, jobId: id, signal: controller.signal, ...(this.opts.gpuWaitMs ? { timeoutMs: this.opts.gpuWaitMs } : {}) });
      if (await this.cancelRequested(id)) throw new StopRequest('cancelled');
      stage = 'transcribe';
      const signal = AbortSignal.any([controller.signal, lease.signal]);
      const t1 = performance.now();
      const outcome = await this.opts.transcriber.transcribe(file, job.data.options, {
        signal,
        onProgress: this.progressReporter(job, (s) => (stage = s)),
      });
      if (signal.aborted) throw signal.reason;
      const processingMs = performance.now() - t1;
      stage = 'write';
      const held = lease;
      const committed = await this.opts.results.commit({
        jobId: id,
        inputName: job.data.input.name,
        transcript: outcome.transcript,
        formats: job.data.options.output_formats ?? ['json', 'srt', 'vtt', 'txt', 'tsv'],
        lockKey: held.lockKey,
        fencingToken: held.fencingToken,
        queueLock: { key: `${job.queueQualifiedName}:${id}:lock`, token: token ?? '' },
        assertHeld: () => {
          if (controller.signal.aborted) throw controller.signal.reason;
          held.assertHeld();
        },
      });
      await held.release().catch((e: unknown) => this.logger.warn({ job: id, err: describeError(e) }, 'GPU lock release failed; it expires by itself'));
      const result: JobResult = {
        files: committed.files,
        language: outcome.transcript.language,
        duration_s: outcome.transcript.duration,
        segments: outcome.transcript.segments.length,
        fencing_token: held.fencingToken,
        device: held.device,
        worker_id: this.id,
        processing_ms: Math.round(processingMs),
        batch: outcome.batch ?? { filled: 0, slots: 0 },
      };
      await this.opts.stats
        .recordCompleted({ processingMs, runMs: performance.now() - t0, audioSeconds: outcome.transcript.duration, batch: outcome.batch, runs: job.attemptsStarted })
        .catch(() => undefined);
      this.jobsDone++;
      this.logger.info({ job: id, fencing_token: held.fencingToken, ms: Math.round(performance.now() - t0), commits: committed.commits }, 'transcription completed');
      return result;
    } catch (e) {
      if (lease && !lease.lostReason) await lease.release().catch(() => false);
      throw await this.failure(job, token, e, controller.signal, lease, stage);
    } finally {
      this.running.delete(id);
    }
  }

  /** Turns what stopped a run into what BullMQ should do with the job. */
  private async failure(job: BullJob, token: string | undefined, e: unknown, own: AbortSignal, lease: GpuLease | undefined, stage: string): Promise<Error> {
    const id = job.id!;
    const stop = own.aborted ? (own.reason as StopRequest) : e instanceof StopRequest ? e : null;
    if (stop?.why === 'cancelled') {
      await this.opts.stats.recordFinished('cancelled', job.attemptsStarted).catch(() => undefined);
      this.logger.info({ job: id, stage }, 'transcription cancelled');
      return new UnrecoverableError(encodeJobError(cancelledJobError(stage)));
    }
    if (isConsoleError(e) && (e.code === 'job_lock_lost' || e.code === 'result_stale')) {
      // Another run owns the job now; BullMQ will refuse this run's state change too.
      this.logger.warn({ job: id, err: e.message }, 'run superseded; its result was not recorded');
      return new Error(encodeJobError(jobErrorFrom(e, stage)));
    }
    const lockLost = lease?.lostReason ?? null;
    if ((stop?.why === 'shutdown' || lockLost) && token) {
      // Put back without using an attempt: neither the job nor its input is at fault.
      this.logger.warn({ job: id, stage, lock_lost: lockLost, shutdown: stop?.why === 'shutdown' }, 'transcription interrupted; job goes back to the queue');
      await this.opts.stats.recordRetry().catch(() => undefined);
      await job.updateProgress(null as unknown as object).catch(() => undefined);
      await job.moveToDelayed(Date.now() + (lockLost ? this.opts.settings.backoff.delay : 0), token);
      return new DelayedError();
    }
    const error = jobErrorFrom(e, stage);
    if (isPermanent(e)) {
      await this.opts.stats.recordFinished('failed', job.attemptsStarted).catch(() => undefined);
      this.logger.warn({ job: id, stage, err: error.message }, 'transcription failed');
      return new UnrecoverableError(encodeJobError(error));
    }
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final) await this.opts.stats.recordFinished('failed', job.attemptsStarted).catch(() => undefined);
    else await this.opts.stats.recordRetry().catch(() => undefined);
    this.logger.warn({ job: id, stage, err: error.message, final }, 'transcription run failed');
    return new Error(encodeJobError(error));
  }

  private progressReporter(job: BullJob, onStage: (s: string) => void): (p: PipelineProgress) => void {
    let last = 0;
    let lastStage = '';
    return (p) => {
      onStage(p.stage);
      const now = Date.now();
      if (now - last < this.opts.settings.progressIntervalMs && p.stage === lastStage && p.fraction < 1) return;
      last = now;
      lastStage = p.stage;
      const progress: JobProgress = {
        stage: p.stage,
        fraction: Math.max(0, Math.min(1, p.fraction)),
        audio_seconds_done: p.audioSecondsDone,
        audio_seconds_total: p.audioSecondsTotal,
        eta_seconds: p.etaSeconds,
      };
      this.opts.onProgress?.(job.id!, progress);
      job.updateProgress(progress).catch(() => undefined);
      // A cancel published while pub/sub was reconnecting is still seen here.
      this.cancelRequested(job.id!).then(
        (yes) => yes && this.abort(job.id!, 'cancelled'),
        () => undefined,
      );
    };
  }

  /** Stops taking jobs; running ones go back to the queue (no attempt used). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.stopAnnouncing?.();
    for (const id of this.running.keys()) this.abort(id, 'shutdown');
    await this.worker?.close().catch((e: unknown) => this.logger.warn({ err: describeError(e) }, 'closing the job worker failed'));
    for (const c of [this.subscriber, this.commands, this.connection]) c?.disconnect();
  }
}
