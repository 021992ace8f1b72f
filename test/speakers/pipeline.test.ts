/**
 * Alignment and diarization inside the real engine (worker thread, ONNX sessions), on the
 * bundled demo models and a two-speaker conversation made with espeak-ng.
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../main/core/config/loader';
import { isConsoleError } from '../../main/core/errors';
import { WhisperEngine } from '../../main/inference/engine/engine';
import { speakerModelsFromConfig, type SpeakerModels } from '../../main/inference/speakers';
import type { Transcript, Word } from '../../main/inference/types';
import { tempDir } from '../audio/fixtures';
import { makeConversation, type Utterance } from './conversation';

const tmp = tempDir('wxc-speakers');
const speakers: SpeakerModels = speakerModelsFromConfig(loadConfig(resolve('config.yml'), { dataDir: join(tmp.dir, 'data') }));
const profile = { device: 'cpu' as const, device_id: 0, batch_size: 4, faster_whisper_threads: 1, compute_type: 'float32' as const, use_faster_whisper: true, beam_size: 1 };
const engine = new WhisperEngine({ modelDir: resolve('models/whisperx-demo-en'), modelName: 'whisperx-demo-en', profile, speakers });
let conv: { wav: string; utterances: Utterance[]; duration: number };
let result: Transcript;

const words = (t: Transcript): Word[] => t.segments.flatMap((s) => s.words ?? []);
/** The utterance a time falls in (or the nearest). */
const utteranceAt = (time: number) => conv.utterances.reduce((best, u) => (Math.abs((u.start + u.end) / 2 - time) < Math.abs((best.start + best.end) / 2 - time) ? u : best));

beforeAll(async () => {
  conv = await makeConversation(tmp.dir);
  result = (await engine.transcribe(conv.wav, { align: true, diarize: true })).transcript;
}, 300_000);
afterAll(async () => {
  await engine.unload();
  tmp.cleanup();
});

describe('transcribe with --align --diarize (demo models)', { timeout: 300_000 }, () => {
  it('recognises the words of the conversation', () => {
    const said = conv.utterances.flatMap((u) => u.text.split(' '));
    const heard = words(result).map((w) => w.word.trim().toLowerCase());
    const hits = said.filter((w) => heard.includes(w)).length;
    expect(hits / said.length, heard.join(' ')).toBeGreaterThanOrEqual(0.9);
    expect(result.word_segments?.length).toBe(words(result).length);
  });

  it('gives every word a start, end and score inside its segment; each utterance\'s first word starts within 100 ms of where it was placed', () => {
    for (const s of result.segments) {
      for (const w of s.words ?? []) {
        expect(w.start, JSON.stringify(w)).toBeTypeOf('number');
        expect(w.end!).toBeGreaterThan(w.start!);
        expect(w.start!).toBeGreaterThanOrEqual(s.start - 0.05);
        expect(w.end!).toBeLessThanOrEqual(s.end + 0.05);
        expect(w.score!).toBeGreaterThan(0);
      }
    }
    const all = words(result);
    for (const u of conv.utterances) {
      const first = all.find((w) => w.word.trim().toLowerCase() === u.text.split(' ')[0] && Math.abs(w.start! - u.start) < 1);
      expect(first, `first word of "${u.text}"`).toBeDefined();
      expect(Math.abs(first!.start! - u.start), `"${u.text}" placed at ${u.start.toFixed(2)} s, aligned at ${first!.start}`).toBeLessThanOrEqual(0.1);
    }
  });

  it('finds the two speakers and labels each utterance\'s words with its speaker', () => {
    expect(result.speakers).toHaveLength(2);
    const label = new Map<Utterance['speaker'], Map<string, number>>([['A', new Map()], ['B', new Map()]]);
    const all = words(result);
    for (const w of all) {
      const u = utteranceAt((w.start! + w.end!) / 2);
      const m = label.get(u.speaker)!;
      if (w.speaker) m.set(w.speaker, (m.get(w.speaker) ?? 0) + 1);
    }
    const major = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const [a, aCount] = major(label.get('A')!);
    const [b, bCount] = major(label.get('B')!);
    expect(a).not.toBe(b);
    expect(aCount + bCount).toBeGreaterThanOrEqual(0.9 * all.length);
    for (const s of result.segments) expect(s.speaker).toMatch(/^SPEAKER_0[01]$/);
  });

  it('restart diarization releases the alignment and diarization sessions; the next job loads them again', async () => {
    const released = await engine.unloadSpeakers();
    expect(released).toEqual(expect.arrayContaining([speakers.alignModels.en, speakers.diarization.segmentation, speakers.diarization.embedding]));
    expect(await engine.unloadSpeakers()).toEqual([]);
    const again = (await engine.transcribe(conv.wav, { align: true, diarize: true, numSpeakers: 2 })).transcript;
    expect(again.speakers).toEqual(['SPEAKER_00', 'SPEAKER_01']);
    expect(words(again).every((w) => typeof w.start === 'number')).toBe(true);
  });
});

describe('clear errors', { timeout: 120_000 }, () => {
  it('a language without an alignment model fails the job with the fix', async () => {
    const e2 = new WhisperEngine({ modelDir: resolve('models/whisperx-demo-en'), profile, speakers: { ...speakers, alignModels: { de: speakers.alignModels.en! } } });
    try {
      const err = await e2.transcribe(conv.wav, { align: true }).then(() => null, (e: unknown) => e);
      expect(isConsoleError(err) && err.code).toBe('align_model_missing');
      expect((err as Error).message).toMatch(/language "en"/);
    } finally {
      await e2.unload();
    }
  });

  it('a missing diarization model is named, with what to do', async () => {
    const e3 = new WhisperEngine({ modelDir: resolve('models/whisperx-demo-en'), profile, speakers: { ...speakers, diarization: { ...speakers.diarization, segmentation: join(tmp.dir, 'nope.onnx') } } });
    try {
      const err = await e3.transcribe(conv.wav, { diarize: true }).then(() => null, (e: unknown) => e);
      expect(isConsoleError(err)).toBe(true);
      expect((err as Error).message).toMatch(/nope\.onnx/);
    } finally {
      await e3.unload();
    }
  });

  it('min speakers above max speakers is refused before any work', async () => {
    const err = await engine.transcribe(conv.wav, { diarize: true, minSpeakers: 3, maxSpeakers: 2 }).then(() => null, (e: unknown) => e);
    expect(isConsoleError(err) && err.code).toBe('diarize_bad_speakers');
  });
});
