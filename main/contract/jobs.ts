import { z } from 'zod';
import { route } from './route';

/** Formats a job can export (WhisperX's writers). */
export const outputFormat = z.enum(['json', 'srt', 'vtt', 'txt', 'tsv']);
export type JobOutputFormat = z.infer<typeof outputFormat>;

export const jobState = z.enum(['queued', 'active', 'completed', 'failed', 'cancelled', 'retrying']);
export type JobState = z.infer<typeof jobState>;

/** What a client may ask of one transcription (unset = config.yml's model / active profile). */
export const jobOptions = z
  .object({
    /** A profile name from config.yml (batch size, compute type, beam size). */
    profile: z.string().min(1).max(100).optional(),
    /** A model folder under paths.models. */
    model: z.string().regex(/^(?!\.\.?$)[A-Za-z0-9._-]{1,200}$/, 'a model folder name (no slashes)').optional(),
    /** null or unset = detect (multilingual models). */
    language: z.string().min(2).max(16).nullable().optional(),
    task: z.enum(['transcribe', 'translate']).optional(),
    output_formats: z.array(outputFormat).min(1).max(5).optional(),
    vad: z.boolean().optional(),
    /** WhisperX's temperature fallback; false = one greedy pass per chunk. */
    temperature_fallback: z.boolean().optional(),
    align: z.boolean().optional(),
    diarize: z.boolean().optional(),
    min_speakers: z.number().int().min(1).max(64).optional(),
    max_speakers: z.number().int().min(1).max(64).optional(),
  })
  .strict();
export type JobOptionsInput = z.input<typeof jobOptions>;
export type JobOptions = z.output<typeof jobOptions>;

export const jobInput = z.object({
  kind: z.enum(['path', 'upload']),
  /** Absolute path of the audio on the worker's machine. */
  path: z.string(),
  /** File name for display and export names. */
  name: z.string(),
  bytes: z.number(),
});
export type JobInput = z.infer<typeof jobInput>;

export const jobProgress = z.object({
  stage: z.string(),
  /** 0..1 over the whole job. */
  fraction: z.number(),
  audio_seconds_done: z.number(),
  audio_seconds_total: z.number(),
  eta_seconds: z.number().nullable(),
});
export type JobProgress = z.infer<typeof jobProgress>;

/** A failure kept on the job: what failed, in which stage, what to do. */
export const jobError = z.object({
  code: z.string(),
  message: z.string(),
  stage: z.string(),
  hint: z.string().optional(),
});
export type JobError = z.infer<typeof jobError>;

export const resultFile = z.object({
  format: outputFormat,
  /** Absolute path on the worker's machine (paths.results/<job id>/). */
  path: z.string(),
  sha256: z.string(),
  bytes: z.number(),
});
export type ResultFile = z.infer<typeof resultFile>;

export const jobResult = z.object({
  files: z.array(resultFile),
  language: z.string(),
  duration_s: z.number(),
  segments: z.number(),
  /** Fencing token of the GPU lock hold that produced this result. */
  fencing_token: z.number(),
  device: z.number(),
  worker_id: z.string(),
  processing_ms: z.number(),
  /** Speech chunks decoded / batch slots run (batch efficiency). */
  batch: z.object({ filled: z.number(), slots: z.number() }),
});
export type JobResult = z.infer<typeof jobResult>;

export const transcriptionJob = z.object({
  id: z.string(),
  state: jobState,
  input: jobInput,
  options: jobOptions,
  progress: jobProgress.nullable(),
  attempts: z.object({
    /** Runs started (including runs cut short by a crash or a lost GPU lock). */
    started: z.number(),
    /** Runs that failed and counted against max. */
    failed: z.number(),
    max: z.number(),
  }),
  /** Runs beyond the first. */
  retries: z.number(),
  error: jobError.nullable(),
  result: jobResult.nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type TranscriptionJob = z.infer<typeof transcriptionJob>;

export const createTranscriptionBody = z
  .object({
    /** A file on the console's machine. */
    path: z.string().min(1).max(4096),
    options: jobOptions.optional(),
  })
  .strict();
export type CreateTranscriptionBody = z.infer<typeof createTranscriptionBody>;

const csvStates = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(jobState));

export const listTranscriptionsQuery = z
  .object({
    /** Comma-separated states, e.g. "queued,active". */
    state: csvStates.optional(),
    /** Substring of the file name (case-insensitive). */
    q: z.string().max(200).optional(),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const transcriptionList = z.object({
  jobs: z.array(transcriptionJob),
  /** Jobs matching the filters (before paging). */
  total: z.number(),
  offset: z.number(),
  limit: z.number(),
  counts: z.record(jobState, z.number()),
});
export type TranscriptionList = z.infer<typeof transcriptionList>;

export const jobIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a job id') }).strict();

export const fleetWorker = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  devices: z.array(z.number()),
  concurrency: z.number(),
  /** Jobs it is running now. */
  current_jobs: z.array(z.string()),
  started_at: z.string(),
  last_seen: z.string(),
  /** Console-local worker or a headless `whisperx-console worker`. */
  mode: z.enum(['console', 'headless']),
  jobs_done: z.number(),
});
export type FleetWorker = z.infer<typeof fleetWorker>;

/** The job KPIs of the manual's section 3, over the finished jobs still kept. */
export const jobStatsSnapshot = z.object({
  timestamp: z.string(),
  finished: z.number(),
  completed: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  /** completed / (completed + failed); null before the first finished job. */
  success_rate: z.number().nullable(),
  error_rate: z.number().nullable(),
  /** Finished jobs that needed more than one run / finished jobs. */
  retry_rate: z.number().nullable(),
  /** Runs beyond the first, over all finished jobs. */
  retries: z.number(),
  /** Finished jobs that needed more than one run. */
  retried: z.number(),
  queue_depth: z.number(),
  active: z.number(),
  /** Seconds of processing per minute of audio (manual: < 2). */
  seconds_per_audio_minute: z.number().nullable(),
  /** Filled batch slots / batch slots run (manual: > 80 %). */
  batch_efficiency: z.number().nullable(),
  /** Processing time of recent completed jobs, in seconds. */
  durations_s: z.object({ count: z.number(), mean: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable(), max: z.number().nullable() }),
});
export type JobStatsSnapshot = z.infer<typeof jobStatsSnapshot>;

export const jobEvent = z.object({ job: transcriptionJob });

declare module './events' {
  interface LiveEventMap {
    /** A job changed state (queued, active, retrying, completed, failed, cancelled). */
    'job.updated': TranscriptionJob;
    /** Progress of a running job (throttled by the worker). */
    'job.progress': { id: string; progress: JobProgress };
  }
}

export const jobRoutes = {
  createTranscription: route({
    method: 'POST',
    path: '/api/v1/transcriptions',
    auth: true,
    kind: 'multipart',
    summary:
      'Queue a transcription: JSON {"path", "options"} for a file on this machine, or multipart/form-data with a "file" part (and an "options" JSON field). 413 too large, 415 not audio/video.',
    body: createTranscriptionBody,
    response: z.object({ id: z.string(), job: transcriptionJob }),
    alsoOk: [201],
  }),
  listTranscriptions: route({
    method: 'GET',
    path: '/api/v1/transcriptions',
    auth: false,
    summary: 'Jobs, newest first, filtered by state and file name, paged.',
    query: listTranscriptionsQuery,
    response: transcriptionList,
  }),
  getTranscription: route({
    method: 'GET',
    path: '/api/v1/transcriptions/:id',
    auth: false,
    summary: 'One job: state, progress, attempts, error, result files and checksums.',
    params: jobIdParams,
    response: transcriptionJob,
  }),
  cancelTranscription: route({
    method: 'POST',
    path: '/api/v1/transcriptions/:id/cancel',
    auth: true,
    summary: 'Cancel a queued or running job (the running inference is aborted). 409 when it already finished.',
    params: jobIdParams,
    response: transcriptionJob,
  }),
  retryTranscription: route({
    method: 'POST',
    path: '/api/v1/transcriptions/:id/retry',
    auth: true,
    summary: 'Run a failed, cancelled or completed job again (its result is replaced). 409 while it is queued or running.',
    params: jobIdParams,
    response: transcriptionJob,
  }),
  exportTranscription: route({
    method: 'GET',
    path: '/api/v1/transcriptions/:id/export/:format',
    auth: false,
    kind: 'text',
    summary: 'A completed job\'s transcript as srt, vtt, txt, tsv or json (verified against its checksum).',
    params: z.object({ id: jobIdParams.shape.id, format: outputFormat }).strict(),
    response: z.string(),
  }),
  transcriptionAudio: route({
    method: 'GET',
    path: '/api/v1/transcriptions/:id/audio',
    auth: false,
    kind: 'binary',
    summary: 'The job\'s audio file for the player (Range requests answered with 206).',
    params: jobIdParams,
    response: z.unknown(),
    alsoOk: [206],
  }),
  listWorkers: route({
    method: 'GET',
    path: '/api/v1/workers',
    auth: false,
    summary: 'Workers with a live heartbeat (console and `whisperx-console worker` processes): host, pid, devices, current jobs, last seen.',
    response: z.object({ workers: z.array(fleetWorker), heartbeat_ttl_ms: z.number() }),
  }),
  jobStats: route({
    method: 'GET',
    path: '/api/v1/transcriptions/stats',
    auth: false,
    summary: 'Job KPIs: success, error and retry rates, queue depth, seconds per audio minute, batch efficiency, durations.',
    response: jobStatsSnapshot,
  }),
} as const;
