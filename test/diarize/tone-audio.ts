/**
 * Test audio for the tone models (fixtures/make_tone_models.py): a "voice" is a two-note
 * trill, notes alternating every 100 ms: A at 250 / 500 Hz, B at 1500 / 3000 Hz.
 */
import { seededRandom as rng } from '../../main/core/random';
import type { SpeakerTurn } from '../../main/inference/diarize/types';

export const voices = { A: [250, 500], B: [1500, 3000] } as const;
const NOTE_SECONDS = 0.1;

/** A seeded RNG (mulberry32) so every run sees the same noise. */
export { rng };

/** The voices of the turns (speaker 'A' or 'B') over faint noise; `seconds` long. */
export function toneConversation(turns: readonly SpeakerTurn[], seconds: number, seed = 7): Float32Array {
  const sr = 16000;
  const rand = rng(seed);
  const out = new Float32Array(Math.round(seconds * sr));
  for (let i = 0; i < out.length; i++) out[i] = (rand() - 0.5) * 2e-4;
  for (const t of turns) {
    const notes = voices[t.speaker as keyof typeof voices];
    let phase = 0;
    for (let i = Math.round(t.start * sr); i < Math.min(out.length, Math.round(t.end * sr)); i++) {
      const f = notes[Math.floor(i / sr / NOTE_SECONDS) % 2]!;
      phase += (2 * Math.PI * f) / sr;
      out[i]! += 0.3 * Math.sin(phase);
    }
  }
  return out;
}
