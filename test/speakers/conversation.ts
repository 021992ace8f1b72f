/**
 * A two-speaker conversation made at test time with espeak-ng + sox, in the console's own
 * vocabulary (what the bundled demo models know), with every utterance's place recorded.
 */
import { join } from 'node:path';
import { concat, run, silence } from '../audio/fixtures';

export interface Utterance {
  speaker: 'A' | 'B';
  text: string;
  start: number;
  end: number;
}

const voices = { A: ['-v', 'en-us+m3', '-p', '35', '-s', '165'], B: ['-v', 'en-gb+f2', '-p', '70', '-s', '150'] } as const;

export const script: Array<[Utterance['speaker'], string]> = [
  ['A', 'gpu lock release'],
  ['B', 'redis queue status check'],
  ['A', 'memory disk alert'],
  ['B', 'worker job done'],
  ['A', 'service restart seven'],
  ['B', 'backup failed three'],
];

/** Writes `conversation.wav` (16 kHz mono) in dir; returns where each utterance is. */
export async function makeConversation(dir: string, gapSeconds = 0.7): Promise<{ wav: string; utterances: Utterance[]; duration: number }> {
  const parts: string[] = [];
  const utterances: Utterance[] = [];
  const gap = join(dir, 'gap.wav');
  await silence(gap, gapSeconds);
  const lead = join(dir, 'lead.wav');
  await silence(lead, 0.5);
  parts.push(lead);
  let t = 0.5;
  for (const [i, [speaker, text]] of script.entries()) {
    const raw = join(dir, `u${i}.raw.wav`);
    const out = join(dir, `u${i}.wav`);
    await run('espeak-ng', [...voices[speaker], '-w', raw, text]);
    await run('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', out, 'silence', '1', '0.01', '0.5%', 'reverse', 'silence', '1', '0.01', '0.5%', 'reverse']);
    const d = Number((await run('soxi', ['-D', out])).trim());
    utterances.push({ speaker, text, start: t, end: t + d });
    parts.push(out, gap);
    t += d + gapSeconds;
  }
  const wav = join(dir, 'conversation.wav');
  await concat(wav, parts);
  return { wav, utterances, duration: t };
}
