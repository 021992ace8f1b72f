import { z } from 'zod';

const ms = () => z.number().int().positive();

/** `jobs.upload`: files posted to POST /api/v1/transcriptions (stored under {data_dir}/uploads). */
export const jobsUploadSection = z
  .object({
    /** Largest upload in bytes (413 above); server.upload_limit_bytes caps it too. */
    max_bytes: z.number().int().positive().default(2_147_483_648),
    /** File extensions accepted (lower case, no dot); the content is checked as well (magic bytes, then ffprobe). */
    allowed_extensions: z
      .array(z.string().regex(/^[a-z0-9]{1,8}$/, 'an extension like "wav", lower case, without the dot'))
      .min(1)
      .default(['wav', 'mp3', 'flac', 'ogg', 'opus', 'oga', 'm4a', 'aac', 'mp4', 'mkv', 'webm', 'mov']),
  })
  .strict();

/** `jobs.retention`: how many finished jobs the queue keeps (results on disk stay until cleaned). */
export const jobsRetentionSection = z
  .object({
    completed_count: z.number().int().min(1).default(1000),
    failed_count: z.number().int().min(1).default(1000),
    /** Finished jobs older than this are dropped from the queue. */
    max_age_s: z.number().int().positive().default(30 * 24 * 3600),
  })
  .strict();

/** The `jobs` section of config.yml (docs/jobs.md). */
export const jobsSection = z
  .object({
    /** BullMQ queue name; every console and worker sharing a Redis and this name shares the jobs. */
    queue_name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('transcriptions'),
    /** Run a worker inside the console process (false = only `whisperx-console worker` processes transcribe). */
    local_worker: z.boolean().default(true),
    /** GPU indices this host's workers serve; null = the active profile's device_id. */
    devices: z.array(z.number().int().min(0).max(63)).min(1).nullable().default(null),
    /** Jobs run at once per device (each waits for that device's GPU lock). */
    concurrency_per_device: z.number().int().min(1).max(16).default(1),
    /** Runs per job before it fails (a lost GPU lock or a crashed worker does not use one up). */
    attempts: z.number().int().min(1).max(50).default(3),
    backoff: z
      .object({
        type: z.enum(['fixed', 'exponential']).default('exponential'),
        delay_ms: ms().default(5_000),
      })
      .strict()
      .prefault({}),
    /** A running job's queue lock; a worker that dies leaves its job "stalled" once this passes. */
    lock_duration_ms: ms().min(500).default(30_000),
    /** How often workers look for stalled jobs (jobs of dead workers) and put them back. */
    stalled_interval_ms: ms().min(200).default(30_000),
    /** Times a job may be found stalled before it fails (each worker crash mid-job counts once). */
    max_stalled_count: z.number().int().min(0).max(100).default(5),
    /** Worker registry: a worker whose heartbeat is older than this is gone from /api/v1/workers. */
    worker_heartbeat_ttl_ms: ms().min(300).default(15_000),
    /** Progress events at most this often per job. */
    progress_interval_ms: ms().default(500),
    /** How long a job waits for its GPU lock before the run fails (retried); null = gpu.lock.acquire_timeout_ms. */
    gpu_wait_ms: ms().nullable().default(null),
    upload: jobsUploadSection.prefault({}),
    retention: jobsRetentionSection.prefault({}),
  })
  .strict();

export type JobsConfig = z.output<typeof jobsSection>;
