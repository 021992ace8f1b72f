import type { AudioBuffer16k, SpeechRegion } from '../types';
import type { SpeechTimestampOptions } from './speech-timestamps';

export interface VadResult {
  /** Speech regions in seconds from the file start, ordered and non-overlapping. */
  regions: SpeechRegion[];
  /** One speech probability per frame. */
  probs: Float32Array;
  /** Seconds per frame (silero: 0.032). */
  frameSeconds: number;
  /** Time of probs[0]'s frame start (the first block's offset). */
  probsOffset: number;
  /** Seconds of audio looked at. */
  audioSeconds: number;
}

export interface VadDetectOptions extends Partial<SpeechTimestampOptions> {
  signal?: AbortSignal;
  /** Called now and then with the seconds of audio processed so far. */
  onProgress?: (audioSecondsDone: number) => void;
}

export interface VadStreamOptions extends VadDetectOptions {
  /** Sees every block as it passes (e.g. to keep the speech audio for the decoder). */
  onBlock?: (block: AudioBuffer16k) => void;
}

/**
 * A voice activity detector (WhisperX's vads/Vad): regions plus the frame probabilities,
 * which cutAndMerge needs to cut long regions at their quietest point.
 */
export interface Vad {
  readonly name: string;
  detect(audio: AudioBuffer16k, opts?: VadDetectOptions): Promise<VadResult>;
  /** Same result as detect() on the concatenated blocks; state is carried across blocks. */
  detectStream(blocks: AsyncIterable<AudioBuffer16k> | Iterable<AudioBuffer16k>, opts?: VadStreamOptions): Promise<VadResult>;
  /** Frees the model's session. */
  release(): Promise<void>;
}
