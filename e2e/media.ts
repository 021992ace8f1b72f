/// <reference lib="dom" />
// dropFile's page function runs in the browser.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Locator } from '@playwright/test';
import { repoRoot } from './console';

/** The bundled demo model and its sample, once a colleague's training lands them. */
export const demoModel = join(repoRoot, 'models', 'whisperx-demo-en');
export const demoSample = join(repoRoot, 'samples', 'demo-status-check.wav');
export const hasSample = existsSync(demoSample);
export const hasDemo = existsSync(join(demoModel, 'config.json')) && hasSample;
/** What the demo model hears in the sample (samples/README.md). */
export const demoSampleText = 'gpu status check';

/** Spoken English as a 16 kHz mono wav (espeak-ng), for tests that need real speech. */
export function speechWav(text: string, name = 'speech.wav'): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxc-e2e-media-'));
  const raw = join(dir, 'raw.wav');
  const out = join(dir, name);
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, text]);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', raw, '-ar', '16000', '-ac', '1', out]);
  return out;
}

/** An SRT file's cues: index, start/end in seconds, text. */
export function parseSrt(srt: string): { index: number; start: number; end: number; text: string }[] {
  const time = (s: string) => {
    const m = /^(\d{2}):(\d{2}):(\d{2}),(\d{3})$/.exec(s.trim());
    if (!m) throw new Error(`not an SRT time: "${s}"`);
    return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
  };
  return srt
    .replace(/\r\n/g, '\n')
    .trim()
    .split(/\n\n+/)
    .filter(Boolean)
    .map((block) => {
      const [index, times, ...text] = block.split('\n');
      const [a, b] = times!.split(' --> ');
      return { index: Number(index), start: time(a!), end: time(b!), text: text.join('\n') };
    });
}

/** Two espeak-ng voices taking turns in the console's vocabulary (what the demo models know), 16 kHz mono. */
export function conversationWav(name = 'conversation.wav'): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxc-e2e-conv-'));
  const voices: Record<'A' | 'B', string[]> = { A: ['-v', 'en-us+m3', '-p', '35', '-s', '165'], B: ['-v', 'en-gb+f2', '-p', '70', '-s', '150'] };
  const lines: Array<['A' | 'B', string]> = [['A', 'gpu lock release'], ['B', 'redis queue status check'], ['A', 'memory disk alert'], ['B', 'worker job done']];
  const gap = join(dir, 'gap.wav');
  execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', gap, 'trim', '0', '0.7']);
  const parts = [gap];
  lines.forEach(([who, text], i) => {
    const raw = join(dir, `u${i}.raw.wav`);
    const out = join(dir, `u${i}.wav`);
    execFileSync('espeak-ng', [...voices[who], '-w', raw, text]);
    execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', out, 'silence', '1', '0.01', '0.5%', 'reverse', 'silence', '1', '0.01', '0.5%', 'reverse']);
    parts.push(out, gap);
  });
  const wav = join(dir, name);
  execFileSync('sox', [...parts, wav]);
  return wav;
}

/** Drops a file on an element the way a desktop drag does (dragover, then drop with a DataTransfer). */
export async function dropFile(zone: Locator, file: string, type = 'audio/wav'): Promise<void> {
  const dataTransfer = await zone.page().evaluateHandle(
    ({ bytes, name, type }) => {
      const bin = Uint8Array.from(atob(bytes), (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], name, { type }));
      return dt;
    },
    { bytes: readFileSync(file).toString('base64'), name: basename(file), type },
  );
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}
