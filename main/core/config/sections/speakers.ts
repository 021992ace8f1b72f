import { z } from 'zod';

const modelRef = z.string().min(1);

/**
 * The `alignment` section: word timestamps by CTC forced alignment (WhisperX's
 * alignment.py). Each language maps to a wav2vec2-style CTC folder (`onnx/model.onnx`,
 * `vocab.json`, `preprocessor_config.json`) under paths.models, or an absolute path.
 */
export const alignmentSection = z
  .object({
    models: z.record(z.string().min(2).max(8), modelRef).default({ en: 'align-demo-en' }),
    /** Subtitle cues per word with the word underlined (whisperx --highlight_words). */
    highlight_words: z.boolean().default(false),
  })
  .strict();

/**
 * The `diarization` section: pyannote-style speaker diarization (segmentation-3.0
 * interface + a wespeaker / 3D-Speaker embedding model), then WhisperX's
 * assign_word_speakers.
 */
export const diarizationSection = z
  .object({
    /** Segmentation ONNX (sherpa-onnx's pyannote segmentation-3.0 export), under paths.models or absolute. */
    segmentation: modelRef.default('diarize-demo/segmentation/model.onnx'),
    /** Speaker-embedding ONNX (fbank [N, T, 80] → [N, D]), under paths.models or absolute. */
    embedding: modelRef.default('diarize-demo/embedding/model.onnx'),
    /** Agglomerative clustering: cosine distance at which two clusters stop merging. */
    clustering_threshold: z.number().gt(0).lt(2).default(0.5),
    /** One speaker embedding per run of a local speaker's speech (true), or per local speaker and window (pyannote). */
    embedding_per_run: z.boolean().default(true),
    /** Window step as a fraction of the 10 s window (pyannote: 10%). */
    step_ratio: z.number().gt(0).max(1).default(0.1),
    min_duration_on_s: z.number().nonnegative().default(0.3),
    min_duration_off_s: z.number().nonnegative().default(0.5),
    min_speakers: z.number().int().positive().nullable().default(null),
    max_speakers: z.number().int().positive().nullable().default(null),
    /** Words and segments that overlap no turn take the nearest turn's speaker. */
    fill_nearest: z.boolean().default(false),
    /** Cut segments where their words change speaker (needs alignment); false = WhisperX's whole segments. */
    split_segments_by_speaker: z.boolean().default(false),
  })
  .strict()
  .refine((d) => d.min_speakers === null || d.max_speakers === null || d.min_speakers <= d.max_speakers, {
    message: 'diarization.min_speakers must not exceed diarization.max_speakers',
    path: ['min_speakers'],
  });

export type AlignmentSettings = z.output<typeof alignmentSection>;
export type DiarizationSettings = z.output<typeof diarizationSection>;
