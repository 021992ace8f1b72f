import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWhisper, type LoadedWhisper } from '../../main/inference/engine/loaded-model';
import { fixedChunks, transcribeAudio, type SpeechChunker } from '../../main/inference/pipeline';
import type { SpeechRegion } from '../../main/inference/types';
import { defaultDecodingOptions } from '../../main/inference/whisper/transcriber';
import { tinyModelDir } from './golden';

const decoding = { ...defaultDecodingOptions, beamSize: 1, temperatures: [0], noSpeechThreshold: null, logProbThreshold: null, compressionRatioThreshold: null, sampleLen: 3 };

/** "Speech" from 5 s to 11 s of every 10 s (so some cross 30 s block ends), as a VAD would report it for the audio it is given. */
const everyTenSeconds: SpeechChunker & { calls: Array<[number, number]> } = {
  calls: [],
  async chunks(audio) {
    const from = audio.offset;
    const to = audio.offset + audio.samples.length / 16000;
    this.calls.push([from, to]);
    const out: SpeechRegion[] = [];
    for (let p = Math.floor(from / 10) * 10; p < to; p += 10) {
      const start = Math.max(from, p + 5);
      const end = Math.min(to, p + 11);
      if (end > start) out.push({ start, end });
    }
    return out;
  },
};

describe('the pipeline streams long audio in windows', () => {
  let w: LoadedWhisper;
  const tmp = mkdtempSync(join(tmpdir(), 'wx-pipe-'));
  const file = join(tmp, 'tone.flac');
  beforeAll(async () => {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=150', '-ar', '16000', '-ac', '1', file]);
    w = await loadWhisper({ modelDir: tinyModelDir, computeType: 'float32', provider: { device: 'cpu', deviceId: 0, threads: 1, optimize: true } });
  });
  afterAll(async () => {
    await w.model.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('decodes every speech chunk exactly once, also the ones crossing a window end', async () => {
    everyTenSeconds.calls = [];
    const r = await transcribeAudio(w, file, { batchSize: 8, decoding, vad: everyTenSeconds, windowSeconds: 120 });
    // Windows of 120 s; the chunk crossing a window's end (115–121) moves to the next window.
    expect(everyTenSeconds.calls.length).toBe(2);
    expect(everyTenSeconds.calls[0]).toEqual([0, 120]);
    expect(everyTenSeconds.calls[1]![0]).toBeCloseTo(115, 3);
    const want = Array.from({ length: 15 }, (_, i) => [i * 10 + 5, Math.min(150, i * 10 + 11)]);
    expect(r.transcript.segments.map((s) => [s.start, s.end])).toEqual(want);
    expect(r.transcript.segments.map((s) => s.id)).toEqual(want.map((_, i) => i));
    expect(r.chunks).toBe(15);
    expect(r.transcript.duration).toBeCloseTo(150, 1);
    expect(r.timings.ort_decoder_ms).toBeGreaterThan(0);
    expect(r.timings.decoder_runs).toBeGreaterThan(0);
    // Greedy without timestamps: every step after the first is picked in the graph.
    expect(r.timings.decoder_greedy_runs).toBeGreaterThan(0);
    expect(r.timings.decoder_greedy_runs).toBeLessThan(r.timings.decoder_runs);
  });

  it('without VAD cuts fixed chunk-length windows, the last one shorter', () => {
    expect(fixedChunks(0, 75, 30)).toEqual([
      { start: 0, end: 30 },
      { start: 30, end: 60 },
      { start: 60, end: 75 },
    ]);
  });
});
