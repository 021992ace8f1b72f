import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { LoggerFactory } from '../core/logger';
import { createJobServices, startJobWorker, type RedisConnector } from '../jobs/runtime';
import type { Transcriber } from '../jobs/transcriber';
import { commonOptions, configFromFlags, exitCodes, UsageError, type CliIO } from './common';

export const workerHelp = `whisperx-console worker [--redis redis://HOST:PORT] [--devices 0,1] [--config FILE] [--data-dir DIR] [--profile NAME]

Runs a headless transcription worker (fleet mode): it takes jobs from the queue in that
Redis (the console's managed Redis is redis://<console host>:6390), holds the GPU lock of
its device while it transcribes, and shows up in the console under /api/v1/workers.
Input files and paths.results must be reachable under the same paths as on the console
(a shared folder). Ctrl-C (SIGINT/SIGTERM) puts its running jobs back in the queue and stops.`;

export interface WorkerDeps {
  /** Replaces the inference engine (tests, benchmarks). */
  transcriber?: Transcriber;
  /** Resolves when the worker should stop; default SIGINT/SIGTERM. */
  until?: Promise<void>;
}

function parseDevices(s: string | undefined): number[] | undefined {
  if (s === undefined) return undefined;
  const list = s.split(',').map((x) => Number(x.trim()));
  if (list.length === 0 || list.some((d) => !Number.isInteger(d) || d < 0 || d > 63)) throw new UsageError(`--devices must be GPU indices like "0,1", got "${s}"`);
  return list;
}

export async function runWorker(argv: string[], io: CliIO, deps: WorkerDeps = {}): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...commonOptions, redis: { type: 'string' }, devices: { type: 'string' } }, strict: true });
  if (values.help) {
    io.out(`${workerHelp}\n`);
    return exitCodes.ok;
  }
  const devices = parseDevices(values.devices);
  const base = configFromFlags(values, io);
  const url = values.redis ?? base.redis.url ?? `redis://127.0.0.1:${base.redis.managed.port}`;
  if (!/^rediss?:\/\//.test(url)) throw new UsageError(`--redis must be a redis:// URL, got "${url}"`);
  const cfg = { ...base, redis: { ...base.redis, url }, jobs: { ...base.jobs, ...(devices ? { devices } : {}) } };
  for (const dir of [cfg.paths.results, cfg.paths.logs]) mkdirSync(dir, { recursive: true });
  const logs = new LoggerFactory({ dir: cfg.paths.logs });
  const logger = logs.for('worker');
  const connect: RedisConnector = (kind) => {
    const c = new Redis(url, {
      maxRetriesPerRequest: kind === 'blocking' ? null : 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    });
    c.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis connection error'));
    return c;
  };
  const services = createJobServices(() => cfg, connect);
  const running = await startJobWorker(cfg, services, connect, { mode: 'headless', logger, ...(deps.transcriber ? { transcriber: deps.transcriber } : {}) });
  io.out(`worker ${running.worker.id} on ${url} (queue ${cfg.jobs.queue_name}, devices ${running.worker.concurrency > 0 ? (cfg.jobs.devices ?? [cfg.profile.device_id]).join(',') : '-'}, concurrency ${running.worker.concurrency})\n`);
  await (deps.until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }));
  io.err('worker stopping; running jobs go back to the queue…\n');
  await running.close();
  await services.close();
  return exitCodes.ok;
}
