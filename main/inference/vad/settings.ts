import type { VadSettings } from '../../core/config/sections/audio';
import type { SileroLoadOptions } from './silero';

/** config.yml's `vad` section as SileroVad.load arguments. */
export function sileroLoadArgs(v: VadSettings): { modelPath: string | undefined; options: SileroLoadOptions } {
  return {
    modelPath: v.model ?? undefined,
    options: {
      threshold: v.threshold,
      negThreshold: v.neg_threshold,
      minSpeechDurationMs: v.min_speech_ms,
      minSilenceDurationMs: v.min_silence_ms,
      speechPadMs: v.speech_pad_ms,
    },
  };
}
