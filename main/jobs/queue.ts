import { randomBytes } from 'node:crypto';
import { Queue, type Job, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobInput, JobOptions, JobProgress, JobResult, JobState, TranscriptionJob, TranscriptionList } from '../contract/jobs';
import { ConsoleError } from '../core/errors';
import { decodeJobError } from './errors';
import type { JobKeys, JobSettings } from './settings';

/** What a job carries in Redis (BullMQ job data). */
export interface TranscriptionJobData {
  input: JobInput;
  options: JobOptions;
}

export type BullJob = Job<TranscriptionJobData, JobResult>;

const openTypes: JobType[] = ['waiting', 'prioritized', 'waiting-children', 'delayed', 'active'];
const allTypes: JobType[] = [...openTypes, 'completed', 'failed'];

export function newJobId(): string {
  // BullMQ refuses all-digit custom ids; the prefix also keeps result folders recognisable.
  return `tx-${randomBytes(8).toString('hex')}`;
}

export interface ListFilter {
  state?: JobState[] | undefined;
  q?: string | undefined;
  offset: number;
  limit: number;
}

/**
 * The transcription queue as the API sees it: submit, read, list, cancel, retry. Jobs live in
 * BullMQ; a cancel is a flag plus a pub/sub message, so it reaches the worker running the job
 * wherever it runs, and a queued job is dropped by the first worker that takes it.
 */
export class TranscriptionQueue {
  readonly queue: Queue<TranscriptionJobData, JobResult>;

  constructor(
    private readonly redis: Redis,
    private readonly connection: Redis,
    private readonly settings: JobSettings,
    private readonly keys: JobKeys,
  ) {
    this.queue = new Queue(settings.queueName, { connection });
    this.queue.on('error', () => undefined);
  }

  /**
   * The queue's connection waits through a Redis restart (as BullMQ needs); an API request
   * must not: while Redis is away it gets a 503 at once instead of hanging.
   */
  async assertConnected(waitMs = 1000): Promise<void> {
    for (const c of [this.redis, this.connection]) {
      if (c.status !== 'ready') {
        // First connect or mid-reconnect: give it a moment, then answer rather than hang.
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, waitMs);
          function done() {
            clearTimeout(t);
            c.off('ready', done);
            resolve();
          }
          c.once('ready', done);
        });
      }
      if (c.status !== 'ready') {
        throw new ConsoleError('redis_unavailable', `Redis is not reachable (connection ${c.status}), so jobs cannot be read or changed right now.`, {
          status: 503,
          hint: 'See /health; the console reconnects by itself. Use the "Restart Redis" emergency action if it stays down.',
        });
      }
    }
  }

  async submit(input: JobInput, options: JobOptions): Promise<TranscriptionJob> {
    const { retention, attempts, backoff } = this.settings;
    const job = (await this.queue.add(
      'transcribe',
      { input, options },
      {
        jobId: newJobId(),
        attempts,
        backoff,
        removeOnComplete: { count: retention.completedCount, age: retention.maxAgeS },
        removeOnFail: { count: retention.failedCount, age: retention.maxAgeS },
      },
    )) as BullJob;
    return this.toDto(job, 'waiting', false);
  }

  async job(id: string): Promise<BullJob | undefined> {
    return (await this.queue.getJob(id)) as BullJob | undefined;
  }

  async get(id: string): Promise<TranscriptionJob | null> {
    // State first, then the job hash: the hash is then at least as new as the state, so a
    // job read as completed always carries its result.
    const [state, cancel] = await Promise.all([this.queue.getJobState(id), this.redis.exists(this.keys.cancel(id))]);
    if (state === 'unknown') return null;
    const job = await this.job(id);
    if (!job) return null;
    return this.toDto(job, state, cancel === 1);
  }

  async require(id: string): Promise<TranscriptionJob> {
    const dto = await this.get(id);
    if (!dto) {
      throw new ConsoleError('job_not_found', `There is no transcription job "${id}"`, {
        hint: 'It may have been removed by retention (jobs.retention in config.yml); list jobs with GET /api/v1/transcriptions.',
        status: 404,
      });
    }
    return dto;
  }

  async list(filter: ListFilter): Promise<TranscriptionList> {
    const jobs: TranscriptionJob[] = [];
    for (const type of allTypes) {
      // A job removed by retention between the listing and the read comes back empty.
      const batch = ((await this.queue.getJobs([type], 0, -1)) as Array<BullJob | undefined>).filter((j): j is BullJob => Boolean(j?.id));
      const flags = batch.length ? await this.cancelFlags(batch.map((j) => j.id!)) : [];
      batch.forEach((j, i) => jobs.push(this.toDto(j, type, flags[i]!)));
    }
    const counts = Object.fromEntries(['queued', 'active', 'completed', 'failed', 'cancelled', 'retrying'].map((s) => [s, 0])) as Record<JobState, number>;
    for (const j of jobs) counts[j.state]++;
    const q = filter.q?.toLowerCase();
    const matching = jobs
      .filter((j) => (!filter.state?.length || filter.state.includes(j.state)) && (!q || j.input.name.toLowerCase().includes(q)))
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
    return { jobs: matching.slice(filter.offset, filter.offset + filter.limit), total: matching.length, offset: filter.offset, limit: filter.limit, counts };
  }

  private async cancelFlags(ids: string[]): Promise<boolean[]> {
    const m = this.redis.multi();
    for (const id of ids) m.exists(this.keys.cancel(id));
    const rows = (await m.exec()) ?? [];
    return rows.map(([, v]) => v === 1);
  }

  /**
   * Queued: dropped when a worker takes it (reported cancelled at once). Running: the worker
   * aborts the inference; this waits up to `waitMs` for the job to leave the active state.
   */
  async cancel(id: string, waitMs = 5_000): Promise<TranscriptionJob> {
    const before = await this.require(id);
    if (before.state === 'cancelled') return before;
    if (before.state === 'completed' || before.state === 'failed') {
      throw new ConsoleError('job_finished', `Job ${id} already ${before.state}; there is nothing to cancel`, {
        hint: before.state === 'failed' ? 'Retry it with POST …/retry if you want it to run again.' : 'Its result is available under …/export/:format.',
        status: 409,
      });
    }
    await this.redis.multi().set(this.keys.cancel(id), '1', 'EX', this.settings.retention.maxAgeS).publish(this.keys.cancelChannel, id).exec();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const now = await this.require(id);
      if (now.state !== 'active' || Date.now() > deadline) return now;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs a finished job again; its result folder is replaced by the new run. */
  async retry(id: string): Promise<TranscriptionJob> {
    const job = await this.job(id);
    const dto = await this.require(id);
    if (!job || dto.state === 'queued' || dto.state === 'active' || dto.state === 'retrying') {
      throw new ConsoleError('job_not_finished', `Job ${id} is ${dto.state}; only finished jobs can be retried`, {
        hint: 'Wait for it to finish, or cancel it first.',
        status: 409,
      });
    }
    await this.redis.del(this.keys.cancel(id));
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    return this.require(id);
  }

  async depth(): Promise<{ waiting: number; active: number }> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0), active: c.active ?? 0 };
  }

  toDto(job: BullJob, bullState: string, cancelRequested: boolean): TranscriptionJob {
    const error = decodeJobError(job.failedReason || undefined);
    let state: JobState;
    switch (bullState) {
      case 'completed':
        state = 'completed';
        break;
      case 'failed':
        state = error?.code === 'cancelled' ? 'cancelled' : 'failed';
        break;
      case 'active':
        state = 'active';
        break;
      case 'delayed':
        state = cancelRequested ? 'cancelled' : job.attemptsStarted > 0 ? 'retrying' : 'queued';
        break;
      default:
        state = cancelRequested ? 'cancelled' : 'queued';
    }
    const progress = isProgress(job.progress) ? job.progress : null;
    return {
      id: job.id!,
      state,
      input: job.data.input,
      options: job.data.options,
      progress,
      // BullMQ counts the successful run in attemptsMade as well.
      attempts: { started: job.attemptsStarted ?? 0, failed: Math.max(0, (job.attemptsMade ?? 0) - (state === 'completed' ? 1 : 0)), max: job.opts.attempts ?? 1 },
      retries: Math.max(0, (job.attemptsStarted ?? 0) - 1),
      error: state === 'completed' || (state === 'queued' && !job.failedReason) ? null : state === 'cancelled' && !error ? cancelledJobError('queue') : error,
      result: state === 'completed' ? (job.returnvalue ?? null) : null,
      created_at: new Date(job.timestamp).toISOString(),
      started_at: job.processedOn ? new Date(job.processedOn).toISOString() : null,
      finished_at: job.finishedOn && (state === 'completed' || state === 'failed' || state === 'cancelled') ? new Date(job.finishedOn).toISOString() : null,
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export function cancelledJobError(stage: string) {
  return { code: 'cancelled', message: 'Cancelled by an operator', stage, hint: 'Retry the job to run it again.' };
}

function isProgress(p: unknown): p is JobProgress {
  return typeof p === 'object' && p !== null && typeof (p as JobProgress).stage === 'string' && typeof (p as JobProgress).fraction === 'number';
}
