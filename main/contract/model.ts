import { z } from 'zod';
import { route } from './route';

export const engineState = z.enum(['not_loaded', 'loading', 'ready', 'busy', 'error', 'unavailable']);
export type EngineState = z.infer<typeof engineState>;

export const engineStatus = z.object({
  state: engineState,
  message: z.string(),
  /** Execution provider actually in use ('cuda' | 'cpu'), null before a model is loaded. */
  execution_provider: z.string().nullable(),
  /** Why this provider (e.g. "CUDA requested but libcudart.so.12 missing: fell back to CPU"). */
  execution_provider_reason: z.string().nullable(),
  variant_file: z.string().nullable(),
  load_time_ms: z.number().nullable(),
  /** What the engine changed in the decoder graph at load (CPU), or why it loaded it as exported. */
  graph_rewrite: z.string().nullable(),
  /** The same for the encoder graph (self-attention fused on CPU), or why it loaded as exported. */
  encoder_rewrite: z.string().nullable(),
  error: z.string().nullable(),
});
export type EngineStatus = z.infer<typeof engineStatus>;

export const modelFile = z.object({ path: z.string(), bytes: z.number() });

export const modelInfo = z.object({
  model: z.object({
    name: z.string(),
    path: z.string(),
    found: z.boolean(),
    /** What the model is, in a sentence (e.g. the bundled demo model's scope). */
    description: z.string().nullable(),
    demo: z.boolean(),
    multilingual: z.boolean().nullable(),
    num_mel_bins: z.number().nullable(),
    vocab_size: z.number().nullable(),
    chunk_length_s: z.number().nullable(),
    /** compute types this folder has files for. */
    variants: z.array(z.string()),
    files: z.array(modelFile),
    problem: z.string().nullable(),
  }),
  active_profile: z.string(),
  profiles: z.array(z.string()),
  device: z.string(),
  compute_type: z.string(),
  batch_size: z.number(),
  threads: z.number(),
  use_faster_whisper: z.boolean(),
  beam_size: z.number(),
  engine: engineStatus,
  available_models: z.array(z.object({ name: z.string(), path: z.string(), demo: z.boolean() })),
  /** Alignment (per language) and diarization models from config.yml, and whether their files are there. */
  speaker_models: z.object({
    alignment: z.array(z.object({ language: z.string(), path: z.string(), found: z.boolean(), problem: z.string().nullable(), vocab_size: z.number().nullable() })),
    diarization: z.object({
      segmentation: z.object({ path: z.string(), found: z.boolean() }),
      embedding: z.object({ path: z.string(), found: z.boolean() }),
    }),
  }),
});
export type ModelInfo = z.infer<typeof modelInfo>;

export const modelRoutes = {
  modelInfo: route({
    method: 'GET',
    path: '/api/v1/model/info',
    auth: false,
    summary: 'Configured model, files on disk, active profile, device, compute type, batch size, engine state.',
    response: modelInfo,
  }),
} as const;
