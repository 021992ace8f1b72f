/** Audio in: any file ffmpeg reads → 16 kHz mono float32 (docs/audio.md). */
export { decodeAudioFile, decodeAudioToBuffer, defaultBlockSeconds, type DecodeOptions, type DecodeToBufferOptions } from './decode';
export { probeAudio, type AudioProbe } from './probe';
export {
  configureFfmpeg,
  ffmpegInstallHint,
  findFfmpeg,
  inspectFfmpeg,
  requireFfmpeg,
  requiredDecoders,
  type FfmpegReport,
  type FfmpegSettings,
  type FfmpegSource,
  type FfmpegTools,
} from './ffmpeg-locate';
export { SAMPLE_RATE } from './ffmpeg-decoder';
export { supportedFormatsHint, type AudioErrorCode } from './input-file';
