import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile, decodeAudioToBuffer, probeAudio } from '../../main/audio';
import { bestCorrelation, encode, makeSourceSignal, rms, tempDir, videoInput, zeroCrossingHz, type SourceSignal } from './fixtures';

/** Each promised container/codec, made with ffmpeg from the same 44.1 kHz stereo master. */
const formats = [
  { name: 'wav (pcm 44.1 kHz stereo)', file: 'a.wav', codec: 'pcm_s16le', args: ['-c:a', 'pcm_s16le'], lossless: true },
  { name: 'flac', file: 'a.flac', codec: 'flac', args: ['-c:a', 'flac'], lossless: true },
  { name: 'mp3', file: 'a.mp3', codec: 'mp3', args: ['-c:a', 'libmp3lame', '-b:a', '128k'] },
  { name: 'ogg/vorbis', file: 'a.ogg', codec: 'vorbis', args: ['-c:a', 'libvorbis', '-q:a', '5'] },
  { name: 'ogg/opus', file: 'a.opus', codec: 'opus', args: ['-c:a', 'libopus', '-b:a', '64k'] },
  { name: 'm4a/aac', file: 'a.m4a', codec: 'aac', args: ['-c:a', 'aac', '-b:a', '128k'] },
  // No duration in a raw ADTS stream: ffprobe estimates it from the bitrate.
  { name: 'raw aac (adts)', file: 'a.aac', codec: 'aac', args: ['-c:a', 'aac', '-b:a', '128k', '-f', 'adts'], estimatedDuration: true },
  { name: 'mp4 (h264 + aac), video stream first', file: 'a.mp4', codec: 'aac', video: true, args: ['-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k'] },
  { name: 'mkv (h264 + mp3)', file: 'a.mkv', codec: 'mp3', video: true, args: ['-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'libmp3lame', '-b:a', '128k'] },
  { name: 'webm (vp8 + opus)', file: 'a.webm', codec: 'opus', video: true, args: ['-map', '0:v', '-map', '1:a', '-c:v', 'libvpx', '-b:v', '100k', '-c:a', 'libopus', '-b:a', '64k'] },
] as const;

let tmp: ReturnType<typeof tempDir>;
let src: SourceSignal;
let reference: Float32Array;

beforeAll(async () => {
  tmp = tempDir('audio-formats');
  src = await makeSourceSignal(tmp.dir);
  reference = (await decodeAudioToBuffer(src.reference)).samples;
  const seconds = Math.ceil(src.speechSeconds + src.toneSeconds);
  for (const f of formats) {
    await encode(src.master, join(tmp.dir, f.file), [...f.args], 'video' in f ? [videoInput(seconds)] : []);
  }
});

afterAll(() => tmp?.cleanup());

describe('decoding every promised format to 16 kHz mono float32', () => {
  it('the reference decodes to exactly its own length', () => {
    const expected = Math.round((src.speechSeconds + src.toneSeconds) * 16000);
    expect(Math.abs(reference.length - expected)).toBeLessThanOrEqual(1);
  });

  for (const f of formats) {
    it(`${f.name}: duration, the tone's pitch and the speech all survive`, async () => {
      const path = join(tmp.dir, f.file);
      const probe = await probeAudio(path);
      expect(probe.hasAudio).toBe(true);
      expect(probe.codec).toBe(f.codec);
      expect(probe.channels).toBe(2);
      const total = src.speechSeconds + src.toneSeconds;
      if ('estimatedDuration' in f) expect(Math.abs(probe.durationS / total - 1)).toBeLessThan(0.1);
      else if (!('video' in f)) expect(probe.durationS).toBeCloseTo(total, 1);

      const audio = await decodeAudioToBuffer(path);
      expect(audio.sampleRate).toBe(16000);
      expect(audio.offset).toBe(0);
      // Lossy codecs add encoder delay/padding: tens of milliseconds at most.
      expect(Math.abs(audio.samples.length / 16000 - total)).toBeLessThan(0.08);

      const toneStart = Math.round((src.speechSeconds + 0.2) * 16000);
      const tonePart = audio.samples.subarray(toneStart, toneStart + 0.6 * 16000);
      expect(zeroCrossingHz(tonePart)).toBeGreaterThan(src.toneHz - 3);
      expect(zeroCrossingHz(tonePart)).toBeLessThan(src.toneHz + 3);
      // Stereo with equal channels mixes down to the same level, as WhisperX's decode does.
      const refTone = reference.subarray(toneStart, toneStart + 0.6 * 16000);
      expect(rms(tonePart) / rms(refTone)).toBeGreaterThan(0.9);
      expect(rms(tonePart) / rms(refTone)).toBeLessThan(1.1);

      const n = Math.floor(src.speechSeconds * 16000);
      const { r, lag } = bestCorrelation(reference.subarray(0, n), audio.samples.subarray(0, n + 800), 800);
      // Containers that do not record the encoder delay (adts, mp3 in mkv) shift by ~25 ms.
      expect(Math.abs(lag)).toBeLessThan(800);
      expect(r).toBeGreaterThan('lossless' in f ? 0.999 : 0.95);
    });
  }

  it('streams blocks with offsets that tile the file, and the same samples as the buffer', async () => {
    const path = join(tmp.dir, 'a.flac');
    const whole = await decodeAudioToBuffer(path);
    let at = 0;
    const sizes: number[] = [];
    for await (const block of decodeAudioFile(path, { blockSeconds: 0.5 })) {
      expect(block.sampleRate).toBe(16000);
      expect(block.offset).toBeCloseTo(at / 16000, 9);
      expect(block.samples).toEqual(whole.samples.subarray(at, at + block.samples.length));
      at += block.samples.length;
      sizes.push(block.samples.length);
    }
    expect(at).toBe(whole.samples.length);
    expect(sizes.slice(0, -1).every((s) => s === 8000)).toBe(true);
    expect(sizes.at(-1)!).toBeGreaterThan(0);
    expect(sizes.at(-1)!).toBeLessThanOrEqual(8000);
  });

  it('starts at startSeconds and stops after durationSeconds, with offsets from the file start', async () => {
    const path = join(tmp.dir, 'a.wav');
    const blocks = [];
    for await (const b of decodeAudioFile(path, { startSeconds: 1, durationSeconds: 0.5, blockSeconds: 0.2 })) blocks.push(b);
    expect(blocks[0]!.offset).toBeCloseTo(1, 9);
    const n = blocks.reduce((a, b) => a + b.samples.length, 0);
    expect(Math.abs(n - 8000)).toBeLessThanOrEqual(16);
    const part = new Float32Array(n);
    let at = 0;
    for (const b of blocks) {
      part.set(b.samples, at);
      at += b.samples.length;
    }
    const { r, lag } = bestCorrelation(reference.subarray(16000, 16000 + 7000), part.subarray(0, 7000 + 160), 160);
    expect(Math.abs(lag)).toBeLessThanOrEqual(2);
    expect(r).toBeGreaterThan(0.999);
  });

  it('decodeAudioToBuffer keeps only the first maxSeconds', async () => {
    const audio = await decodeAudioToBuffer(join(tmp.dir, 'a.flac'), { maxSeconds: 0.75 });
    expect(Math.abs(audio.samples.length - 12000)).toBeLessThanOrEqual(16);
    expect(bestCorrelation(reference.subarray(0, 11000), audio.samples, 0).r).toBeGreaterThan(0.999);
  });
});
