/** `whisperx-console transcribe --align --diarize` end to end on the bundled demo models. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTranscribe } from '../../main/cli/transcribe';
import { tempDir } from '../audio/fixtures';
import { makeConversation } from './conversation';
import { capturedIO } from '../helpers/cli';

const tmp = tempDir('wxc-speakers-cli');
let wav: string;
beforeAll(async () => {
  wav = (await makeConversation(tmp.dir)).wav;
}, 120_000);
afterAll(() => tmp.cleanup());

const io = () => capturedIO(tmp.dir);

interface JsonOut {
  segments: Array<{ start: number; end: number; text: string; speaker?: string; words: Array<{ word: string; start: number; end: number; score: number; speaker?: string }> }>;
  word_segments: unknown[];
}

describe('whisperx-console transcribe --align --diarize', { timeout: 300_000 }, () => {
  it('writes WhisperX-shaped json with words and speakers, and speaker-prefixed srt/txt and a speaker column in tsv', async () => {
    const out = join(tmp.dir, 'out');
    const t = io();
    const code = await runTranscribe([wav, '--align', '--diarize', '--max-speakers', '3', '--output-dir', out, '--quiet'], t);
    expect(code, t.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'conversation.json'), 'utf8')) as JsonOut;
    expect(json.segments.length).toBeGreaterThan(0);
    for (const s of json.segments) {
      expect(s.speaker).toMatch(/^SPEAKER_\d\d$/);
      for (const w of s.words) expect(Object.keys(w)).toEqual(expect.arrayContaining(['word', 'start', 'end', 'score']));
    }
    expect(json.word_segments.length).toBe(json.segments.reduce((n, s) => n + s.words.length, 0));
    expect(readFileSync(join(out, 'conversation.srt'), 'utf8')).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n\[SPEAKER_\d\d\]: \S/);
    expect(readFileSync(join(out, 'conversation.txt'), 'utf8')).toMatch(/^\[SPEAKER_\d\d\]: \S/);
    expect(readFileSync(join(out, 'conversation.tsv'), 'utf8').split('\n')[0]).toMatch(/speaker/);
  });

  it('--highlight-words gives one srt cue per word with the word underlined', async () => {
    const out = join(tmp.dir, 'hl');
    const t = io();
    expect(await runTranscribe([wav, '--align', '--highlight-words', '--output-format', 'srt', '--output-dir', out, '--quiet'], t), t.stderr).toBe(0);
    const srt = readFileSync(join(out, 'conversation.srt'), 'utf8');
    expect(srt).toMatch(/<u>gpu<\/u>/);
    expect(srt.split('\n\n').filter((c) => c.includes('<u>')).length).toBeGreaterThanOrEqual(10);
  });

  it('--split-by-speaker cuts segments at speaker changes: every segment\'s words share its speaker, and both speakers get cues', async () => {
    const out = join(tmp.dir, 'split');
    const t = io();
    expect(await runTranscribe([wav, '--align', '--diarize', '--split-by-speaker', '--num-speakers', '2', '--output-dir', out, '--quiet'], t), t.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'conversation.json'), 'utf8')) as JsonOut;
    for (const s of json.segments) for (const w of s.words) if (w.speaker) expect(w.speaker, s.text).toBe(s.speaker);
    const srt = readFileSync(join(out, 'conversation.srt'), 'utf8');
    expect(srt).toMatch(/\[SPEAKER_00\]: /);
    expect(srt).toMatch(/\[SPEAKER_01\]: /);
    expect(json.segments.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses contradictory or orphan speaker flags as usage errors, before any work', async () => {
    for (const args of [['--align', '--split-by-speaker'], ['--min-speakers', '2'], ['--diarize', '--min-speakers', '3', '--max-speakers', '2'], ['--diarize', '--max-speakers', 'x'], ['--highlight-words']]) {
      const t = io();
      expect(await runTranscribe([wav, ...args, '--output-dir', join(tmp.dir, 'never')], t), args.join(' ')).toBe(2);
      expect(t.stderr).toMatch(/--(min|max)-speakers|--highlight-words|--split-by-speaker/);
    }
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false);
  });
});
