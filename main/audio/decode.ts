import { basename } from 'node:path';
import type { AudioBuffer16k } from '../inference/types';
import { requireFfmpeg } from './ffmpeg-locate';
import { FfmpegDecoder, SAMPLE_RATE, type DecoderExit } from './ffmpeg-decoder';
import { audioError, checkInputFile, ffmpegInputUrl, stderrSummary } from './input-file';
import { noAudioStreamError, probeAudio, type AudioProbe } from './probe';

export interface DecodeOptions {
  /** Aborting kills ffmpeg; the iteration then throws `signal.reason`. */
  signal?: AbortSignal;
  /** Length of each yielded block (the last may be shorter). Default 30 s. */
  blockSeconds?: number;
  /** Start decoding here (seconds); block offsets count from the file start. */
  startSeconds?: number;
  /** Decode at most this many seconds. */
  durationSeconds?: number;
  /** Called once with the probe (duration for progress/ETA) before the first block. */
  onProbe?: (probe: AudioProbe) => void;
  /** Called with ffmpeg's process id when it starts (diagnostics, tests). */
  onFfmpegStart?: (pid: number) => void;
}

export const defaultBlockSeconds = 30;

function positiveOr(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${what} must be a positive number of seconds, got ${value}`);
  return value;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function decodeFailure(file: string, exit: DecoderExit, ffmpegPath: string) {
  const name = basename(file);
  if (exit.spawnError) {
    return audioError('audio_decode_failed', file, `Could not start ffmpeg (${ffmpegPath}) to decode ${name}: ${exit.spawnError.message}`, 'Check the ffmpeg installation (whisperx-console doctor)');
  }
  const why = stderrSummary(exit.stderr, file) || (exit.signal ? `ffmpeg was killed by ${exit.signal}` : `ffmpeg exited with code ${exit.code}`);
  return audioError('audio_decode_failed', file, `Decoding ${name} failed: ${why}`, 'The file may be damaged or use a codec this ffmpeg lacks (whisperx-console doctor lists them); re-encode it, e.g. ffmpeg -i IN -ar 16000 -ac 1 OUT.wav', { ffmpeg: why });
}

/**
 * Decodes any audio/video file to 16 kHz mono float32, streamed: ffmpeg runs while the caller
 * pulls blocks and waits while it does not, so a 3-hour file is never decoded in memory at
 * once. Stopping the iteration early (break, throw, abort) kills ffmpeg.
 */
export async function* decodeAudioFile(path: string, opts: DecodeOptions = {}): AsyncGenerator<AudioBuffer16k, void, undefined> {
  const blockSeconds = positiveOr(opts.blockSeconds, defaultBlockSeconds, 'blockSeconds');
  const startSeconds = opts.startSeconds ?? 0;
  if (!Number.isFinite(startSeconds) || startSeconds < 0) throw new RangeError(`startSeconds must be >= 0, got ${startSeconds}`);
  const durationSeconds = opts.durationSeconds === undefined ? undefined : positiveOr(opts.durationSeconds, 0, 'durationSeconds');
  const { signal } = opts;
  if (signal?.aborted) throw abortReason(signal);

  const { file } = await checkInputFile(path);
  const tools = requireFfmpeg();
  const probe = await probeAudio(file);
  if (!probe.hasAudio) throw noAudioStreamError(file, probe);
  opts.onProbe?.(probe);
  if (signal?.aborted) throw abortReason(signal);

  const decoder = new FfmpegDecoder({
    ffmpeg: tools.ffmpeg,
    input: ffmpegInputUrl(file),
    startSeconds,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
  });
  if (decoder.child.pid !== undefined) opts.onFfmpegStart?.(decoder.child.pid);
  const onAbort = () => decoder.kill();
  signal?.addEventListener('abort', onAbort, { once: true });

  const blockSamples = Math.max(1, Math.round(blockSeconds * SAMPLE_RATE));
  let block = new Float32Array(blockSamples);
  let bytes = new Uint8Array(block.buffer);
  let filled = 0; // bytes in the current block
  let samplesBefore = 0; // samples yielded so far
  const take = (): AudioBuffer16k => {
    const samples = filled === bytes.length ? block : block.subarray(0, filled >> 2);
    const out: AudioBuffer16k = { sampleRate: SAMPLE_RATE, samples, offset: startSeconds + samplesBefore / SAMPLE_RATE };
    samplesBefore += samples.length;
    return out;
  };

  try {
    try {
      for await (const chunk of decoder.stdout as AsyncIterable<Buffer>) {
        let pos = 0;
        while (pos < chunk.length) {
          const n = Math.min(bytes.length - filled, chunk.length - pos);
          // Copying bytes (not viewing the Buffer as floats) because chunks need not be 4-byte aligned.
          bytes.set(chunk.subarray(pos, pos + n), filled);
          filled += n;
          pos += n;
          if (filled === bytes.length) {
            const out = take();
            block = new Float32Array(blockSamples);
            bytes = new Uint8Array(block.buffer);
            filled = 0;
            yield out;
            if (signal?.aborted) throw abortReason(signal);
          }
        }
      }
    } catch (e) {
      if (signal?.aborted) throw abortReason(signal);
      if (!(e instanceof Error && (e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE')) throw e;
    }
    const exit = await decoder.exited;
    if (signal?.aborted) throw abortReason(signal);
    if (exit.code !== 0 || exit.spawnError) throw decodeFailure(file, exit, tools.ffmpeg);
    filled -= filled % 4;
    if (filled > 0) yield take();
    if (samplesBefore === 0) {
      throw audioError(
        'audio_empty',
        file,
        startSeconds > 0
          ? `${basename(file)} has no audio after ${startSeconds} s (it lasts ${probe.durationS.toFixed(2)} s)`
          : `${basename(file)} contains no audio samples (its ${probe.codec} track is empty)`,
        'The recording may have failed or been cut off; check the file in a media player',
        { durationS: probe.durationS },
      );
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    decoder.kill();
  }
}

export interface DecodeToBufferOptions {
  signal?: AbortSignal;
  /** Decode at most the first maxSeconds (ffmpeg -t); the rest of the file is not read. */
  maxSeconds?: number;
  startSeconds?: number;
}

/** Preallocation trusts the probe only this far (a header can claim days); beyond, the buffer grows by half. */
const preallocateCapSeconds = 600;

/** The whole file (or its first maxSeconds) in one buffer; for short files and tests. */
export async function decodeAudioToBuffer(path: string, opts: DecodeToBufferOptions = {}): Promise<AudioBuffer16k> {
  let probe: AudioProbe | undefined;
  let samples: Float32Array | null = null;
  let n = 0;
  const startSeconds = opts.startSeconds ?? 0;
  for await (const block of decodeAudioFile(path, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.maxSeconds !== undefined ? { durationSeconds: opts.maxSeconds } : {}),
    startSeconds,
    onProbe: (p) => (probe = p),
  })) {
    let buf: Float32Array;
    if (!samples) {
      const expected = Math.min(Math.max(0, (probe?.durationS ?? 0) - startSeconds), opts.maxSeconds ?? Infinity, preallocateCapSeconds);
      buf = new Float32Array(Math.ceil((expected + 1) * SAMPLE_RATE));
    } else buf = samples;
    if (n + block.samples.length > buf.length) {
      const grown: Float32Array = new Float32Array(Math.max(n + block.samples.length, Math.ceil(buf.length * 1.5)));
      grown.set(buf.subarray(0, n));
      buf = grown;
    }
    buf.set(block.samples, n);
    samples = buf;
    n += block.samples.length;
  }
  const all = samples ?? new Float32Array(0);
  // Keep the spare capacity only when it is small; otherwise copy to release it.
  const trimmed = all.length - n > all.length / 10 ? all.slice(0, n) : all.subarray(0, n);
  return { sampleRate: SAMPLE_RATE, samples: trimmed, offset: startSeconds };
}
