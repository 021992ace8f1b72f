import type { Redis } from 'ioredis';
import type { ConsoleConfig } from '../core/config/loader';
import type { Logger } from '../core/logger';
import { GpuLockManager, gpuLockSettings, type GpuEventEmitter } from '../gpu';
import { TranscriptionQueue } from './queue';
import { WorkerRegistry } from './registry';
import { ResultsStore } from './results';
import { jobKeys, jobSettings, type JobKeys, type JobSettings } from './settings';
import { JobStats } from './stats';
import { ConfigStore } from '../core/config/store';
import { EngineService } from '../inference/engine-service';
import { EngineTranscriber, type EngineSource, type Transcriber } from './transcriber';
import { TranscriptionWorker, type GpuLockAcquirer, type TranscriptionWorkerOptions } from './worker';

/** Opens a Redis connection; `blocking` ones wait through a Redis restart (maxRetriesPerRequest null, as BullMQ needs). */
export type RedisConnector = (kind: 'commands' | 'blocking') => Redis;

/** Everything of the jobs domain except workers: what the console's API and the CLI need. */
export interface JobServices {
  settings: JobSettings;
  keys: JobKeys;
  queue: TranscriptionQueue;
  results: ResultsStore;
  stats: JobStats;
  registry: WorkerRegistry;
  close(): Promise<void>;
}

export function createJobServices(cfg: () => ConsoleConfig, connect: RedisConnector): JobServices {
  const settings = jobSettings(cfg().jobs);
  const keys = jobKeys(settings.queueName);
  const commands = connect('commands');
  const queueConnection = connect('blocking');
  const queue = new TranscriptionQueue(commands, queueConnection, settings, keys);
  const results = new ResultsStore(commands, keys, () => cfg().paths.results);
  const stats = new JobStats(commands, keys, queue, settings.retention.maxAgeS * 1000);
  const registry = new WorkerRegistry(commands, keys, settings.heartbeatTtlMs);
  return {
    settings,
    keys,
    queue,
    results,
    stats,
    registry,
    async close() {
      await queue.close().catch(() => undefined);
      queueConnection.disconnect();
      commands.disconnect();
    },
  };
}

export function workerDevices(cfg: ConsoleConfig): number[] {
  return cfg.jobs.devices ?? [cfg.profile.device_id];
}

/** The engine-backed transcriber; without a shared engine (headless worker) it gets its own. */
export function engineTranscriber(cfg: ConsoleConfig, logger: Logger, engines?: EngineSource): Transcriber {
  return new EngineTranscriber({
    engines: engines ?? new EngineService(new ConfigStore(cfg), logger),
    ownsEngines: !engines,
    model: cfg.model,
    profiles: cfg.profiles,
    activeProfile: cfg.active_profile,
  });
}

export interface StartWorkerOptions {
  mode: TranscriptionWorkerOptions['mode'];
  logger: Logger;
  /** Default: the inference engine on config.yml's model. */
  transcriber?: Transcriber;
  /** The console's shared engine (inference module); without one the worker builds its own. */
  engines?: EngineSource | undefined;
  emitGpuEvent?: GpuEventEmitter;
  /** The console's shared GPU lock manager (gpu module); without one the worker builds its own. */
  gpuLocks?: GpuLockAcquirer | undefined;
  onProgress?: TranscriptionWorkerOptions['onProgress'];
}

export interface RunningWorker {
  worker: TranscriptionWorker;
  close(): Promise<void>;
}

/**
 * A worker under the console's GPU lock manager, or (headless worker) its own: locks live in
 * Redis and force releases reach every holder over pub/sub, so either way one GPU runs one job.
 */
export async function startJobWorker(cfg: ConsoleConfig, services: JobServices, connect: RedisConnector, opts: StartWorkerOptions): Promise<RunningWorker> {
  const devices = workerDevices(cfg);
  const ownLocks = opts.gpuLocks
    ? undefined
    : new GpuLockManager({
        redis: () => connect('blocking'),
        settings: gpuLockSettings(cfg.gpu.lock),
        deviceCount: () => cfg.gpu.device_count ?? Math.max(...devices) + 1,
        logger: opts.logger,
        ...(opts.emitGpuEvent ? { emit: opts.emitGpuEvent } : {}),
      });
  const gpuLocks: GpuLockAcquirer = opts.gpuLocks ?? ownLocks!;
  const transcriber = opts.transcriber ?? engineTranscriber(cfg, opts.logger, opts.engines);
  const worker = new TranscriptionWorker({
    settings: services.settings,
    keys: services.keys,
    connect: () => connect('blocking'),
    transcriber,
    gpuLocks,
    results: services.results,
    stats: services.stats,
    registry: services.registry,
    devices,
    concurrencyPerDevice: cfg.jobs.concurrency_per_device,
    gpuWaitMs: cfg.jobs.gpu_wait_ms ?? undefined,
    mode: opts.mode,
    logger: opts.logger,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  await worker.start();
  return {
    worker,
    async close() {
      await worker.close();
      await ownLocks?.close();
      await transcriber.close();
    },
  };
}
