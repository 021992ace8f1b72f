import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConsoleError } from '../../main/core/errors';
import { diarizationErrorRate } from '../../main/inference/diarize/der';
import { createDiarizer, loadDiarizerModels, type DiarizerModels } from '../../main/inference/diarize/pipeline';
import type { DiarizeOptions, DiarizeProgress, SpeakerTurn } from '../../main/inference/diarize/types';
import { toneConversation } from './tone-audio';

const fixtures = join(import.meta.dirname, 'fixtures');
const SR = 16000;

/** A conversation of the two tone voices with an overlap and pauses of various lengths. */
const reference: SpeakerTurn[] = [
  { start: 0.5, end: 8, speaker: 'A' },
  { start: 8.7, end: 16, speaker: 'B' },
  { start: 15, end: 24, speaker: 'A' },
  { start: 24.5, end: 33, speaker: 'B' },
  { start: 34, end: 40, speaker: 'A' },
];
const duration = 41.3;

let models: DiarizerModels;
beforeAll(async () => {
  models = await loadDiarizerModels({ segmentation: join(fixtures, 'tone-segmentation.onnx'), embedding: join(fixtures, 'tone-embedding.onnx') });
});
afterAll(async () => {
  await models?.segmentation.release();
  await models?.embedding.release();
});

async function diarize(audio: Float32Array, opts: Partial<DiarizeOptions> = {}, blockSamples = 3 * SR, offset = 0): Promise<SpeakerTurn[]> {
  const d = createDiarizer(models, opts);
  for (let o = 0; o < audio.length; o += blockSamples) await d.push({ sampleRate: SR, samples: audio.subarray(o, o + blockSamples), offset: offset + o / SR });
  return d.finish();
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('createDiarizer: streaming speaker diarization end to end (tone models)', () => {
  const audio = toneConversation(reference, duration);
  let turns: SpeakerTurn[];
  beforeAll(async () => {
    turns = await diarize(audio);
  });

  it('finds both speakers and their turns: DER 0 with the 0.25 s collar, < 1% without', () => {
    expect(new Set(turns.map((t) => t.speaker))).toEqual(new Set(['SPEAKER_00', 'SPEAKER_01']));
    expect(turns[0]!.speaker).toBe('SPEAKER_00');
    const der = diarizationErrorRate(reference, turns);
    expect(der.der).toBe(0);
    expect(der.mapping).toEqual({ SPEAKER_00: 'A', SPEAKER_01: 'B' });
    expect(diarizationErrorRate(reference, turns, { collar: 0 }).der).toBeLessThan(0.01);
  });

  it('one embedding per local speaker and window (embedPerRun: false) finds the same turns', async () => {
    const whole = await diarize(audio, { embedPerRun: false });
    expect(diarizationErrorRate(reference, whole).der).toBe(0);
  });

  it('turn boundaries within 0.1 s, the overlap kept, turns sorted and inside the audio', () => {
    expect(turns).toHaveLength(reference.length);
    turns.forEach((t, i) => {
      expect(Math.abs(t.start - reference[i]!.start)).toBeLessThan(0.1);
      expect(Math.abs(t.end - reference[i]!.end)).toBeLessThan(0.1);
      expect(t.start).toBeGreaterThanOrEqual(0);
      expect(t.end).toBeLessThanOrEqual(duration);
      if (i) expect(t.start).toBeGreaterThanOrEqual(turns[i - 1]!.start);
    });
  });

  it('the same turns whatever the block sizes, and shifted by the first block\'s offset', async () => {
    expect(await diarize(audio, {}, audio.length)).toEqual(turns);
    expect(await diarize(audio, {}, 7777)).toEqual(turns);
    const shifted = await diarize(audio, {}, 5 * SR, 100);
    shifted.forEach((t, i) => {
      expect(t.start).toBeCloseTo(turns[i]!.start + 100, 9);
      expect(t.end).toBeCloseTo(turns[i]!.end + 100, 9);
    });
  });

  it('gaps shorter than min off are filled, turns shorter than min on dropped (options)', async () => {
    // B pauses 0.3 s, then says something 0.2 s long 2 s later.
    const ref = [{ start: 1, end: 5, speaker: 'A' }, { start: 6, end: 9, speaker: 'B' }, { start: 9.3, end: 12, speaker: 'B' }, { start: 14, end: 14.2, speaker: 'B' }];
    const audio2 = toneConversation(ref, 16);
    const byDefault = await diarize(audio2);
    expect(byDefault.map((t) => [+t.start.toFixed(1), +t.end.toFixed(1)])).toEqual([[1, 5], [6, 12]]);
    const raw = await diarize(audio2, { minDurationOff: 0, minDurationOn: 0 });
    expect(raw.map((t) => [+t.start.toFixed(1), +t.end.toFixed(1)])).toEqual([[1, 5], [6, 9], [9.3, 12], [14, 14.2]]);
  });

  it('numSpeakers and maxSpeakers hold the number of speakers down; minSpeakers raises it', async () => {
    for (const opts of [{ numSpeakers: 1 }, { maxSpeakers: 1 }]) {
      const one = await diarize(audio, opts);
      expect(new Set(one.map((t) => t.speaker))).toEqual(new Set(['SPEAKER_00']));
    }
    expect(new Set((await diarize(audio, { numSpeakers: 2 })).map((t) => t.speaker)).size).toBe(2);
    expect(new Set((await diarize(audio, { minSpeakers: 3 })).map((t) => t.speaker)).size).toBe(3);
  });

  it('audio shorter than a window: one zero-padded window; silence or nothing: no turns', async () => {
    const short = await diarize(toneConversation([{ start: 1, end: 4, speaker: 'B' }], 6));
    expect(short).toHaveLength(1);
    expect(short[0]!.start).toBeCloseTo(1, 1);
    expect(short[0]!.end).toBeCloseTo(4, 1);
    expect(await diarize(new Float32Array(12 * SR))).toEqual([]);
    expect(await createDiarizer(models).finish()).toEqual([]);
  });

  it('reports progress: segmentation seconds rising to the duration, then clustering, then done', async () => {
    const seen: DiarizeProgress[] = [];
    await diarize(audio.subarray(0, 20 * SR), { onProgress: (p) => seen.push(p) });
    const seg = seen.filter((p) => p.phase === 'segmentation').map((p) => p.audioSeconds);
    expect(seg.length).toBeGreaterThan(2);
    expect(seg).toEqual([...seg].sort((a, b) => a - b));
    expect(seg[seg.length - 1]).toBeCloseTo(20, 6);
    expect(seen.slice(-2).map((p) => p.phase)).toEqual(['clustering', 'done']);
  });
});

describe('createDiarizer: misuse is an error that says what to do', () => {
  it('a gap between blocks', async () => {
    const d = createDiarizer(models);
    await d.push({ sampleRate: SR, samples: new Float32Array(SR), offset: 0 });
    const e = await failure(d.push({ sampleRate: SR, samples: new Float32Array(SR), offset: 2 }));
    expect(isConsoleError(e) && e.code).toBe('diarize_audio_gap');
  });

  it('abort stops it with the signal\'s reason', async () => {
    const ac = new AbortController();
    const d = createDiarizer(models, { signal: ac.signal });
    await d.push({ sampleRate: SR, samples: new Float32Array(12 * SR), offset: 0 });
    ac.abort(new Error('cancelled by operator'));
    expect(((await failure(d.push({ sampleRate: SR, samples: new Float32Array(SR), offset: 12 }))) as Error).message).toBe('cancelled by operator');
    expect(((await failure(d.finish())) as Error).message).toBe('cancelled by operator');
  });

  it('push after finish, finish twice', async () => {
    const d = createDiarizer(models);
    await d.finish();
    expect(isConsoleError(await failure(d.push({ sampleRate: SR, samples: new Float32Array(10), offset: 0 })))).toBe(true);
    expect(isConsoleError(await failure(d.finish()))).toBe(true);
  });

  it('bad options name the option', () => {
    for (const [opts, key] of [
      [{ numSpeakers: 0 }, 'numSpeakers'],
      [{ minSpeakers: 3, maxSpeakers: 2 }, 'minSpeakers'],
      [{ onset: 0.4, offset: 0.6 }, 'offset'],
      [{ stepRatio: 0 }, 'stepRatio'],
    ] as const) {
      try {
        createDiarizer(models, opts);
        throw new Error(`accepted ${JSON.stringify(opts)}`);
      } catch (e) {
        expect(isConsoleError(e) && e.code).toBe('diarize_bad_option');
        expect(isConsoleError(e) && e.details?.key).toBe(key);
      }
    }
  });
});
