/**
 * The TypeScript stage against a Python port of WhisperX's alignment (tools/align_model/alignment.py,
 * torch) on random peaked emissions: the same words, starts, ends and scores, to the millisecond.
 * Cases: test/align/fixtures/make_parity_cases.py.
 */
import { describe, expect, it } from 'vitest';
import { alignSegments, type CtcAligner } from '../../main/inference/align';
import parity from './fixtures/whisperx-parity.json';

interface ParityCase {
  text: string;
  t1: number;
  t2: number;
  frames: number;
  logits: number[][];
  words: Array<{ word: string; start: number; end: number; score: number }> | null;
}

const dictionary = new Map(Object.entries(parity.vocab));

function aligner(c: ParityCase): CtcAligner {
  return {
    dictionary,
    blankId: 0,
    logits: async () => ({ data: Float32Array.from(c.logits.flat()), frames: c.frames, classes: dictionary.size }),
    release: async () => {},
  };
}

describe('alignment equals the Python WhisperX steps on random emissions', () => {
  const audio = { sampleRate: 16000 as const, samples: new Float32Array(16000 * 120), offset: 0 };
  for (const c of parity.cases as ParityCase[]) {
    it(`"${c.text}" (${c.frames} frames, ${c.t1}–${c.t2} s)`, async () => {
      const { segments } = await alignSegments([{ id: 0, start: c.t1, end: c.t2, text: c.text }], audio, aligner(c), { language: 'en' });
      expect(segments[0]!.words).toEqual(c.words);
    });
  }
});
