/** Benchmark audio: espeak-ng speech with pauses, 16 kHz mono WAV, made once into a work folder. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const sentences = [
  'The GPU lock is held by worker two and renewed every ten seconds.',
  'Restart the redis worker if the queue depth stays above fifty jobs.',
  'Batch efficiency dropped below eighty percent during the night shift.',
  'Check the disk space on the results volume before the next export.',
  'The transcription of the meeting finished in less than two minutes.',
  'Memory utilisation reached eighty five percent on the second device.',
  'Operators should acknowledge the alert and record the action taken.',
  'The model was loaded on the CPU because the CUDA libraries are missing.',
];

/** `count` files of about `seconds` each (speech with sentence pauses); returns their paths. */
export function ensureBenchAudio(dir: string, count: number, seconds: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = join(dir, `speech-${seconds}s-${String(i).padStart(2, '0')}.wav`);
    files.push(out);
    if (existsSync(out)) continue;
    const parts: string[] = [];
    let total = 0;
    for (let k = 0; total < seconds; k++) {
      const wav = join(dir, `.part-${i}-${k}.wav`);
      const voice = ['en-us', 'en-gb', 'en'][(i + k) % 3]!;
      execFileSync('espeak-ng', ['-v', voice, '-s', String(150 + ((i * 7 + k * 13) % 40)), '-w', wav, sentences[(i + k) % sentences.length]!]);
      const pause = join(dir, `.pause-${i}-${k}.wav`);
      execFileSync('sox', ['-n', '-r', '22050', '-c', '1', '-b', '16', pause, 'trim', '0', String(0.4 + ((i + k) % 5) * 0.3)]);
      parts.push(wav, pause);
      total += 3.5 + 0.4 + ((i + k) % 5) * 0.3;
    }
    const joined = join(dir, `.joined-${i}.wav`);
    execFileSync('sox', [...parts, joined]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', joined, '-t', String(seconds), '-ar', '16000', '-ac', '1', out]);
    for (const p of [...parts, joined]) rmSync(p, { force: true });
  }
  return files;
}

/** One long file made by looping a shorter one (mp3, so it stays small on disk). */
export function ensureLongAudio(dir: string, source: string, seconds: number): string {
  const out = join(dir, `long-${seconds}s.mp3`);
  if (!existsSync(out)) execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '-1', '-i', source, '-t', String(seconds), '-ac', '1', '-b:a', '32k', out]);
  return out;
}

export function listAudio(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(wav|mp3|flac|ogg|m4a)$/.test(f) && !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));
}
