/**
 * The records the pipeline stages pass to each other (WhisperX's schema.py, typed).
 * Times are in seconds from the start of the file.
 */

/** Mono audio at 16 kHz, samples in [-1, 1]. */
export interface AudioBuffer16k {
  readonly sampleRate: 16000;
  readonly samples: Float32Array;
  /** Where these samples start in the source file, in seconds (0 for a whole file). */
  readonly offset: number;
}

export interface SpeechRegion {
  start: number;
  end: number;
  /** For merged chunks: the VAD regions they are made of. */
  segments?: Array<{ start: number; end: number }>;
}

export interface Word {
  word: string;
  start?: number;
  end?: number;
  score?: number;
  speaker?: string;
}

export interface Segment {
  id: number;
  start: number;
  end: number;
  text: string;
  tokens?: number[];
  avg_logprob?: number;
  no_speech_prob?: number;
  compression_ratio?: number;
  temperature?: number;
  words?: Word[];
  speaker?: string;
}

export interface Transcript {
  language: string;
  /** Duration of the audio in seconds. */
  duration: number;
  segments: Segment[];
  /** Filled by alignment. */
  word_segments?: Word[];
  /** Filled by diarization: the speaker labels found, sorted. */
  speakers?: string[];
  model?: string;
}

export type PipelineStage = 'decode' | 'vad' | 'features' | 'encode' | 'decoder' | 'align' | 'diarize' | 'write';

export interface PipelineProgress {
  stage: PipelineStage;
  /** 0..1 over the whole pipeline. */
  fraction: number;
  audioSecondsDone: number;
  audioSecondsTotal: number;
  /** Seconds left, estimated; null until known. */
  etaSeconds: number | null;
}
