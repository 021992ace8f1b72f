import { z } from 'zod';

export const computeTypes = ['float32', 'float16', 'int8'] as const;
export const devices = ['auto', 'cuda', 'cpu'] as const;

/**
 * A hardware profile, as in the manual's section 4.2. Keys the manual leaves out take
 * the defaults below (device auto = try CUDA, fall back to CPU).
 */
export const profileSchema = z
  .object({
    device: z.enum(devices).default('auto'),
    device_id: z.number().int().min(0).default(0),
    batch_size: z.number().int().min(1).max(64),
    /** Intra-op threads for inference; 0 = one per CPU core. */
    faster_whisper_threads: z.number().int().min(0).max(256).default(0),
    compute_type: z.enum(computeTypes).default('float32'),
    /** true: the optimised path (batched KV-cached decoding, full graph optimisation); false: the conservative path. */
    use_faster_whisper: z.boolean().default(true),
    beam_size: z.number().int().min(1).max(16).default(1),
  })
  .strict();

export type Profile = z.infer<typeof profileSchema>;

export const kpiSection = z
  .object({
    api_response_time_s: z.object({ max: z.number().positive() }).strict().prefault({ max: 1 }),
    success_rate: z.object({ min: z.number().min(0).max(1) }).strict().prefault({ min: 0.95 }),
    gpu_utilization: z.object({ max: z.number().min(0).max(1) }).strict().prefault({ max: 0.9 }),
    memory_utilization: z.object({ max: z.number().min(0).max(1) }).strict().prefault({ max: 0.85 }),
    seconds_per_audio_minute: z.object({ max: z.number().positive() }).strict().prefault({ max: 2 }),
    batch_efficiency: z.object({ min: z.number().min(0).max(1) }).strict().prefault({ min: 0.8 }),
    error_rate: z.object({ max: z.number().min(0).max(1) }).strict().prefault({ max: 0.05 }),
    retry_rate: z.object({ max: z.number().min(0).max(1) }).strict().prefault({ max: 0.1 }),
  })
  .strict();

export const modelSection = z
  .object({
    /** Model folder name under paths.models, or an absolute path. */
    name: z.string().min(1).default('whisperx-demo-en'),
    language: z.string().nullable().default(null),
    task: z.enum(['transcribe', 'translate']).default('transcribe'),
    /**
     * Linux: the inference worker thread, its onnxruntime threads and its ffmpeg run at this
     * nice value, so the API and the UI get a core first while a job runs (0 = same priority).
     */
    inference_nice: z.number().int().min(0).max(19).default(10),
  })
  .strict();
