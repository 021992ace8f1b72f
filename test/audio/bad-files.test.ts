import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile, decodeAudioToBuffer, probeAudio } from '../../main/audio';
import { ConsoleError } from '../../main/core/errors';
import { encode, rms, tempDir, tone, videoInput, writeWav16, zeroCrossingHz } from './fixtures';

let tmp: ReturnType<typeof tempDir>;
const at = (name: string) => join(tmp.dir, name);

async function failure(p: Promise<unknown>): Promise<ConsoleError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConsoleError);
  return e as ConsoleError;
}

async function drain(path: string) {
  const blocks = [];
  for await (const b of decodeAudioFile(path)) blocks.push(b);
  return blocks;
}

beforeAll(async () => {
  tmp = tempDir('audio-bad');
  writeFileSync(at('empty.wav'), '');
  writeFileSync(at('notes.txt'), 'Meeting notes: check the GPU lock before the shift.\n');
  writeFileSync(at('notes.dat'), 'not audio at all, just words\n'.repeat(50));
  writeFileSync(at('random.bin'), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 2654435761) >>> 24)));
  mkdirSync(at('folder.wav'));
  await encode('color=c=red:size=32x32', at('picture.png'), ['-frames:v', '1'], [['-f', 'lavfi']]);
  await encode('testsrc=size=64x64:rate=10:duration=1', at('silent-video.mp4'), ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'], [['-f', 'lavfi']]);
  writeWav16(at('header-only.wav'), new Float32Array(0));

  await tone(at('tone4s.wav'), { seconds: 4, hz: 440 });
  const wav = readFileSync(at('tone4s.wav'));
  writeFileSync(at('truncated.wav'), wav.subarray(0, 44 + 2 * 16000 * 1.5)); // header claims 4 s, 1.5 s present
  await encode(at('tone4s.wav'), at('tone.m4a'), ['-c:a', 'aac', '-movflags', '+faststart']);
  await encode(at('tone4s.wav'), at('moov-last.m4a'), ['-c:a', 'aac']);
  const m4a = readFileSync(at('moov-last.m4a'));
  writeFileSync(at('truncated.m4a'), m4a.subarray(0, Math.floor(m4a.length / 2))); // the index (moov) is gone
  await encode(at('tone4s.wav'), at('tone.mp3'), ['-c:a', 'libmp3lame']);
  const mp3 = readFileSync(at('tone.mp3'));
  writeFileSync(at('truncated.mp3'), mp3.subarray(0, Math.floor(mp3.length / 2)));
  await encode(at('tone4s.wav'), at('tone.flac'), ['-c:a', 'flac']);
  const flac = readFileSync(at('tone.flac'));
  writeFileSync(at('truncated.flac'), flac.subarray(0, Math.floor(flac.length / 2)));
  copyFileSync(at('tone.mp3'), at('mislabelled.wav'));

  await tone(at('8k.wav'), { seconds: 2, hz: 440, rate: 8000 });
  await tone(at('6ch.wav'), { seconds: 2, hz: 440, rate: 48000, channels: 6 });
  await tone(at('short.wav'), { seconds: 0.1, hz: 440, rate: 44100 });
  await tone(at('96k24.flac'), { seconds: 1, hz: 440, rate: 96000, bits: 24 });
  await encode(at('tone4s.wav'), at('two-tracks.mkv'), ['-map', '0:v', '-map', '1:a', '-map', '2:a', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'flac'], [
    videoInput(4),
    ['-i', at('tone4s.wav')],
  ]);
});

afterAll(() => tmp?.cleanup());

describe('files that cannot be transcribed end in a clear error naming the file', () => {
  it('a missing file is audio_not_found', async () => {
    const e = await failure(decodeAudioToBuffer(at('nope.wav')));
    expect(e.code).toBe('audio_not_found');
    expect(e.status).toBe(404);
    expect(e.message).toContain(at('nope.wav'));
    expect(e.hint).toBeTruthy();
  });

  it('an empty (0-byte) file is audio_empty', async () => {
    const e = await failure(decodeAudioToBuffer(at('empty.wav')));
    expect(e.code).toBe('audio_empty');
    expect(e.message).toContain('empty.wav');
    expect(e.message).toContain('0 bytes');
  });

  it('a WAV header with no samples is audio_empty', async () => {
    const e = await failure(decodeAudioToBuffer(at('header-only.wav')));
    expect(e.code).toBe('audio_empty');
    expect(e.message).toContain('header-only.wav');
  });

  it('a text file is audio_unreadable', async () => {
    for (const name of ['notes.txt', 'notes.dat']) {
      const e = await failure(decodeAudioToBuffer(at(name)));
      expect(e.code).toBe('audio_unreadable');
      expect(e.message).toContain(name);
      expect(e.message).toMatch(/not an audio or video file/);
      expect(e.hint).toMatch(/wav, mp3, flac/);
    }
  });

  it('random bytes are audio_unreadable', async () => {
    expect((await failure(decodeAudioToBuffer(at('random.bin')))).code).toBe('audio_unreadable');
  });

  it('a PNG is audio_no_stream, called an image', async () => {
    const e = await failure(decodeAudioToBuffer(at('picture.png')));
    expect(e.code).toBe('audio_no_stream');
    expect(e.message).toMatch(/picture\.png is an image \(png\)/);
  });

  it('a video without an audio track is audio_no_stream, and probe says hasAudio false', async () => {
    const probe = await probeAudio(at('silent-video.mp4'));
    expect(probe).toMatchObject({ hasAudio: false, codec: '', channels: 0, sampleRate: 0, streams: ['video/h264'] });
    const e = await failure(drain(at('silent-video.mp4')));
    expect(e.code).toBe('audio_no_stream');
    expect(e.message).toContain('silent-video.mp4 has no audio track (it holds video/h264)');
  });

  it('a folder is audio_unreadable', async () => {
    const e = await failure(decodeAudioToBuffer(at('folder.wav')));
    expect(e.code).toBe('audio_unreadable');
    expect(e.message).toMatch(/is a folder/);
  });

  it('an m4a cut before its index is audio_unreadable and says why', async () => {
    const e = await failure(decodeAudioToBuffer(at('truncated.m4a')));
    expect(e.code).toBe('audio_unreadable');
    expect(e.message).toMatch(/moov atom not found/);
    expect(e.message).not.toMatch(/0x[0-9a-f]{6,}/);
    expect(e.hint).toMatch(/truncated or damaged/);
  });

  it('a missing ffmpeg is ffmpeg_missing with the install hint', async () => {
    const before = process.env.WHISPERX_FFMPEG;
    process.env.WHISPERX_FFMPEG = at('no-such-ffmpeg');
    try {
      const e = await failure(decodeAudioToBuffer(at('tone4s.wav')));
      expect(e.code).toBe('ffmpeg_missing');
      expect(e.message).toContain('no-such-ffmpeg');
      expect(e.hint).toContain('apt-get install ffmpeg');
    } finally {
      if (before === undefined) delete process.env.WHISPERX_FFMPEG;
      else process.env.WHISPERX_FFMPEG = before;
    }
  });
});

describe('truncated and odd files decode to what is really there', () => {
  it('a truncated wav gives the samples present (1.5 s of the claimed 4 s)', async () => {
    const a = await decodeAudioToBuffer(at('truncated.wav'));
    expect(a.samples.length).toBe(24000);
    expect(zeroCrossingHz(a.samples)).toBeCloseTo(440, -1);
  });

  for (const name of ['truncated.mp3', 'truncated.flac']) {
    it(`${name} gives the part before the cut, still a 440 Hz tone`, async () => {
      const a = await decodeAudioToBuffer(at(name));
      expect(a.samples.length / 16000).toBeGreaterThan(1);
      expect(a.samples.length / 16000).toBeLessThan(2.5);
      expect(Math.abs(zeroCrossingHz(a.samples.subarray(1600, 16000)) - 440)).toBeLessThan(3);
    });
  }

  it('an mp3 named .wav decodes by content, not by name', async () => {
    const a = await decodeAudioToBuffer(at('mislabelled.wav'));
    expect(Math.abs(a.samples.length / 16000 - 4)).toBeLessThan(0.08);
  });

  it('8 kHz input is resampled to 16 kHz without changing pitch or length', async () => {
    const p = await probeAudio(at('8k.wav'));
    expect(p.sampleRate).toBe(8000);
    const a = await decodeAudioToBuffer(at('8k.wav'));
    expect(a.samples.length).toBe(32000);
    expect(Math.abs(zeroCrossingHz(a.samples) - 440)).toBeLessThan(2);
  });

  it('6 channels are mixed down to one, keeping the tone', async () => {
    const p = await probeAudio(at('6ch.wav'));
    expect(p.channels).toBe(6);
    const a = await decodeAudioToBuffer(at('6ch.wav'));
    expect(Math.abs(a.samples.length - 32000)).toBeLessThanOrEqual(1);
    expect(Math.abs(zeroCrossingHz(a.samples) - 440)).toBeLessThan(2);
    // Same level as each channel (0.5), not the channels' sum: the downmix is normalised.
    const peak = a.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.45);
    expect(peak).toBeLessThan(0.55);
    expect(rms(a.samples)).toBeCloseTo(0.5 / Math.SQRT2, 2);
  });

  it('a 0.1 s file gives 1600 samples', async () => {
    const a = await decodeAudioToBuffer(at('short.wav'));
    expect(Math.abs(a.samples.length - 1600)).toBeLessThanOrEqual(1);
  });

  it('96 kHz 24-bit flac decodes', async () => {
    const a = await decodeAudioToBuffer(at('96k24.flac'));
    expect(Math.abs(a.samples.length - 16000)).toBeLessThanOrEqual(1);
    expect(Math.abs(zeroCrossingHz(a.samples) - 440)).toBeLessThan(2);
  });

  it('with two audio tracks, the first one is decoded', async () => {
    const p = await probeAudio(at('two-tracks.mkv'));
    expect(p.streams).toEqual(['video/h264', 'audio/flac', 'audio/flac']);
    const a = await decodeAudioToBuffer(at('two-tracks.mkv'));
    expect(Math.abs(a.samples.length / 16000 - 4)).toBeLessThan(0.05);
  });
});
