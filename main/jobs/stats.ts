import type { Redis } from 'ioredis';
import type { JobStatsSnapshot } from '../contract/jobs';
import type { JobKeys } from './settings';

/** The job KPIs monitoring reads (ConsoleServices `jobStats`). */
export interface JobStatsSource {
  snapshot(): Promise<JobStatsSnapshot>;
  /** Jobs submitted and finished in the last `windowMs` (maintenance's capacity check). */
  throughput(windowMs: number): Promise<{ arrived: number; completed: number; failed: number; cancelled: number }>;
}

export interface QueueDepth {
  /** Jobs waiting (including delayed retries) and running. */
  depth(): Promise<{ waiting: number; active: number }>;
}

const recentDurations = 500;

export interface CompletedRun {
  /** Transcription time (GPU held) in ms. */
  processingMs: number;
  /** Whole run (including the GPU wait and writing) in ms. */
  runMs: number;
  audioSeconds: number;
  batch?: { filled: number; slots: number } | undefined;
  /** Runs this job took (1 = no retry). */
  runs: number;
}

/**
 * KPI counters in one Redis hash, written by every worker (local or fleet), so the console
 * reports the whole fleet's figures and they survive restarts.
 */
export class JobStats implements JobStatsSource {
  constructor(
    private readonly redis: Redis,
    private readonly keys: JobKeys,
    private readonly queue: QueueDepth,
    /** Throughput events older than this are dropped. */
    private readonly keepMs: number,
  ) {}

  async recordArrived(id: string): Promise<void> {
    const now = Date.now();
    await this.redis.multi().zadd(this.keys.arrivals, now, `${id}:${now}`).zremrangebyscore(this.keys.arrivals, '-inf', now - this.keepMs).exec();
  }

  private addFinish(m: ReturnType<Redis['multi']>, outcome: 'completed' | 'failed' | 'cancelled'): void {
    const now = Date.now();
    m.zadd(this.keys.finishes, now, `${outcome}:${now}:${Math.random().toString(36).slice(2, 8)}`);
    m.zremrangebyscore(this.keys.finishes, '-inf', now - this.keepMs);
  }

  async throughput(windowMs: number): Promise<{ arrived: number; completed: number; failed: number; cancelled: number }> {
    const from = Date.now() - windowMs;
    const [arrived, finishes] = await Promise.all([this.redis.zcount(this.keys.arrivals, from, '+inf'), this.redis.zrangebyscore(this.keys.finishes, from, '+inf')]);
    const count = (o: string) => finishes.filter((f) => f.startsWith(`${o}:`)).length;
    return { arrived, completed: count('completed'), failed: count('failed'), cancelled: count('cancelled') };
  }

  async recordCompleted(r: CompletedRun): Promise<void> {
    const m = this.redis.multi();
    m.hincrby(this.keys.stats, 'completed', 1);
    this.addFinish(m, 'completed');
    m.hincrby(this.keys.stats, 'processing_ms', Math.round(r.processingMs));
    m.hincrby(this.keys.stats, 'audio_ms', Math.round(r.audioSeconds * 1000));
    if (r.batch) {
      m.hincrby(this.keys.stats, 'batch_filled', r.batch.filled);
      m.hincrby(this.keys.stats, 'batch_slots', r.batch.slots);
    }
    this.addRuns(m, r.runs);
    m.lpush(this.keys.durations, Math.round(r.runMs));
    m.ltrim(this.keys.durations, 0, recentDurations - 1);
    await m.exec();
  }

  async recordFinished(outcome: 'failed' | 'cancelled', runs: number): Promise<void> {
    const m = this.redis.multi();
    m.hincrby(this.keys.stats, outcome, 1);
    this.addFinish(m, outcome);
    this.addRuns(m, runs);
    await m.exec();
  }

  /** A run that will be repeated (lost GPU lock, shutdown, retryable failure). */
  async recordRetry(): Promise<void> {
    await this.redis.hincrby(this.keys.stats, 'retry_events', 1);
  }

  private addRuns(m: ReturnType<Redis['multi']>, runs: number): void {
    if (runs > 1) {
      m.hincrby(this.keys.stats, 'retried_jobs', 1);
      m.hincrby(this.keys.stats, 'retries', runs - 1);
    }
  }

  async snapshot(): Promise<JobStatsSnapshot> {
    const [counters, durations, depth] = await Promise.all([
      this.redis.hgetall(this.keys.stats),
      this.redis.lrange(this.keys.durations, 0, -1),
      this.queue.depth(),
    ]);
    const n = (k: string) => Number(counters[k] ?? 0);
    const completed = n('completed');
    const failed = n('failed');
    const cancelled = n('cancelled');
    const finished = completed + failed + cancelled;
    const decided = completed + failed;
    const audioMinutes = n('audio_ms') / 60_000;
    const slots = n('batch_slots');
    return {
      timestamp: new Date().toISOString(),
      finished,
      completed,
      failed,
      cancelled,
      success_rate: decided > 0 ? completed / decided : null,
      error_rate: decided > 0 ? failed / decided : null,
      retry_rate: finished > 0 ? n('retried_jobs') / finished : null,
      retries: n('retries'),
      retried: n('retried_jobs'),
      queue_depth: depth.waiting,
      active: depth.active,
      seconds_per_audio_minute: audioMinutes > 0 ? n('processing_ms') / 1000 / audioMinutes : null,
      batch_efficiency: slots > 0 ? n('batch_filled') / slots : null,
      durations_s: summarize(durations.map((d) => Number(d) / 1000)),
    };
  }
}

function summarize(values: number[]): JobStatsSnapshot['durations_s'] {
  if (values.length === 0) return { count: 0, mean: null, p50: null, p95: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { count: sorted.length, mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}
