import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { describeError } from '../core/errors';
import type { ModuleFactory } from '../core/module';
import { createJobServices, startJobWorker, type JobServices, type RedisConnector, type RunningWorker } from './runtime';
import type { TranscriptionQueue } from './queue';
import { registerJobRoutes } from './routes';
import { UploadStore } from './uploads';
import type { Transcriber } from './transcriber';

declare module '../core/module' {
  interface ConsoleServices {
    transcriptions: TranscriptionQueue;
    /** Replaces the inference engine in the console's own worker (tests, benchmarks). */
    jobTranscriber: Transcriber;
  }
}

/**
 * The jobs wing: queue, results, uploads and routes; a worker inside the console unless
 * jobs.local_worker is false; job state changes from every worker (fleet included) on the live feed.
 */
export const createJobsModule: ModuleFactory = async (ctx) => {
  const cfg = () => ctx.config.current;
  const log = ctx.logs.for('jobs');
  const connect: RedisConnector = (kind) => ctx.redis.createClient(kind === 'blocking' ? { maxRetriesPerRequest: null } : {});
  const services: JobServices = createJobServices(cfg, connect);
  const uploads = new UploadStore(join(cfg().paths.data_dir, 'uploads'), () => ({
    maxBytes: Math.min(cfg().jobs.upload.max_bytes, cfg().server.upload_limit_bytes),
    allowedExtensions: cfg().jobs.upload.allowed_extensions,
  }));
  ctx.provide('jobStats', services.stats);
  ctx.provide('resultsIndex', services.results);
  ctx.provide('transcriptions', services.queue);

  let events: QueueEvents | undefined;
  let eventsConnection: ReturnType<RedisConnector> | undefined;
  let worker: RunningWorker | undefined;

  const publish = (id: string) => {
    services.queue.get(id).then(
      (job) => job && ctx.bus.emit('job.updated', job),
      (e: unknown) => log.debug({ job: id, err: describeError(e) }, 'job event could not be read'),
    );
  };

  return {
    name: 'jobs',
    registerRoutes(app, guard) {
      registerJobRoutes(app, guard, {
        services,
        uploads,
        protectedDirs: () => {
          const p = cfg().paths;
          return { dataDir: p.data_dir, extra: [p.results, p.logs, p.temp, p.model_cache] };
        },
        profiles: () => Object.keys(cfg().profiles),
      });
    },
    async start() {
      eventsConnection = connect('blocking');
      events = new QueueEvents(services.settings.queueName, { connection: eventsConnection });
      events.on('error', (e) => log.debug({ err: describeError(e) }, 'queue events connection error'));
      for (const name of ['waiting', 'active', 'completed', 'failed', 'delayed', 'retries-exhausted'] as const) {
        events.on(name, ({ jobId }: { jobId: string }) => publish(jobId));
      }
      events.on('progress', ({ jobId, data }) => {
        if (data && typeof data === 'object') ctx.bus.emit('job.progress', { id: jobId, progress: data as never });
      });
      if (cfg().jobs.local_worker) {
        const transcriber = ctx.optional('jobTranscriber');
        worker = await startJobWorker(cfg(), services, connect, {
          mode: 'console',
          logger: log,
          ...(transcriber ? { transcriber } : {}),
          emitGpuEvent: (type, data) => ctx.bus.emit(type, data),
          gpuLocks: ctx.optional('gpuLocks'),
          engines: ctx.optional('engine'),
        });
      }
    },
    async close() {
      await worker?.close();
      await events?.close().catch(() => undefined);
      eventsConnection?.disconnect();
      await services.close();
    },
  };
};
