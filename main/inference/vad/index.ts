/** Voice activity detection and WhisperX's cut & merge (docs/audio.md). */
export type { Vad, VadDetectOptions, VadResult, VadStreamOptions } from './vad';
export { SileroVad, bundledSileroModelPath, sileroInterfaceOf, type SileroInterface, type SileroLoadOptions } from './silero';
export { cutAndMerge, type CutAndMergeOptions } from './cut-and-merge';
export { defaultSpeechTimestampOptions, speechTimestamps, type SampleRegion, type SpeechTimestampOptions } from './speech-timestamps';
export { sileroLoadArgs } from './settings';
