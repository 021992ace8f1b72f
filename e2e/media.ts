import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
