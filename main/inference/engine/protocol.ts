/** Messages between the engine (main thread) and its inference worker. */
import type { FfmpegSettings } from '../../audio';
import type { PipelineProgress, Transcript } from '../types';
import type { WhisperDecodingOptions } from '../whisper/transcriber';
import type { StageTimings } from '../pipeline';
import type { ProviderChoice, ProviderRequest } from './providers';

export interface LoadMessage {
  type: 'load';
  modelDir: string;
  modelName: string;
  computeType: 'float32' | 'float16' | 'int8';
  provider: ProviderRequest;
  /** Silero model path; null = no VAD session (every job runs --no-vad). */
  vadModelPath: string | null | undefined;
  ffmpeg: FfmpegSettings | undefined;
  /** Nice value for the worker thread (Linux; set once, before its first session). */
  nice: number;
}

export interface TranscribeMessage {
  type: 'transcribe';
  id: number;
  /** A file path, or raw 16 kHz samples (transferred). */
  file?: string;
  samples?: Float32Array;
  offset?: number;
  batchSize: number;
  decoding: WhisperDecodingOptions;
  vad: boolean;
  windowSeconds?: number | undefined;
  /** Word timestamps: language → alignment model folder (absolute). */
  align?: AlignRequest | null | undefined;
  /** Who spoke when. */
  diarize?: DiarizeRequest | null | undefined;
}

export interface AlignRequest {
  models: Record<string, string>;
}

export interface DiarizeRequest {
  segmentation: string;
  embedding: string;
  threshold: number;
  stepRatio: number;
  embedPerRun: boolean;
  minDurationOn: number;
  minDurationOff: number;
  numSpeakers?: number | undefined;
  minSpeakers?: number | undefined;
  maxSpeakers?: number | undefined;
  fillNearest: boolean;
  /** Cut segments where their words change speaker. */
  splitBySpeaker: boolean;
}

export type ToWorker = LoadMessage | TranscribeMessage | { type: 'cancel'; id: number } | { type: 'unload' } | { type: 'unload_speakers' };

export interface SerializedError {
  code: string;
  message: string;
  hint?: string | undefined;
  details?: Record<string, unknown> | undefined;
  status?: number | undefined;
  name?: string | undefined;
}

export interface LoadedInfo {
  choice: ProviderChoice;
  variantFile: string;
  computeType: string;
  loadTimeMs: number;
  /** WhisperOnnxModel.graphRewrite.summary. */
  graphRewrite: string;
  /** WhisperOnnxModel.graphRewrite.encoderSummary. */
  encoderRewrite: string;
  multilingual: boolean;
  chunkLengthS: number;
  /** The worker thread's nice value after load, and why it is not the one asked for (if so). */
  nice: number;
  niceProblem: string | null;
}

export type FromWorker =
  | { type: 'loaded'; info: LoadedInfo }
  | { type: 'load_failed'; error: SerializedError }
  | { type: 'progress'; id: number; progress: PipelineProgress }
  | { type: 'result'; id: number; transcript: Transcript; timings: StageTimings; chunks: number }
  | { type: 'failed'; id: number; error: SerializedError; cancelled: boolean }
  | { type: 'unloaded' }
  | { type: 'speakers_unloaded'; released: string[] };
