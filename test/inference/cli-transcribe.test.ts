import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fallbackTemperatures, runTranscribe } from '../../main/cli/transcribe';
import { goldenDir } from './golden';
import { capturedIO } from '../helpers/cli';

const tmp = mkdtempSync(join(tmpdir(), 'wx-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const io = () => capturedIO(tmp);

// Random weights fail every fallback check; one temperature keeps the runs short.
const model = ['--model', 'models/test-tiny-en', '--data-dir', join(tmp, 'data'), '--temperature-increment-on-fallback', 'none'];
const speech = join(goldenDir, 'inputs/speech.wav');

describe('whisperx-console transcribe', () => {
  it('writes every output format for each file, with a progress bar on stderr', async () => {
    const mp3 = join(tmp, 'speech copy.mp3');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', speech, '-ac', '2', '-ar', '44100', mp3]);
    const out = join(tmp, 'out');
    const t = io();
    const code = await runTranscribe([speech, mp3, ...model, '--output-format', 'all', '--output-dir', out, '--compute-type', 'float32'], t);
    expect(t.stderr).toMatch(/speech\.wav: +\d+% .* s (vad|encode|decoder|decode|write)/);
    expect(code, t.stderr).toBe(0);
    for (const base of ['speech', 'speech copy']) {
      for (const ext of ['srt', 'vtt', 'txt', 'tsv', 'json']) expect(existsSync(join(out, `${base}.${ext}`)), `${base}.${ext}`).toBe(true);
      const json = JSON.parse(readFileSync(join(out, `${base}.json`), 'utf8')) as { language: string; segments: Array<{ start: number; end: number; text: string; tokens: number[]; avg_logprob: number; no_speech_prob: number; compression_ratio: number }> };
      expect(json.language).toBe('en');
      expect(json.segments.length).toBeGreaterThan(0);
      const seg = json.segments[0]!;
      expect(Object.keys(seg)).toEqual(expect.arrayContaining(['start', 'end', 'text', 'tokens', 'avg_logprob', 'no_speech_prob', 'compression_ratio']));
      expect(readFileSync(join(out, `${base}.srt`), 'utf8')).toMatch(/^1\n00:00:0\d,\d{3} --> 00:00:0\d,\d{3}\n\S/);
      expect(readFileSync(join(out, `${base}.vtt`), 'utf8')).toMatch(/^WEBVTT\n\n\d\d:\d\d\.\d{3} --> /);
      expect(readFileSync(join(out, `${base}.tsv`), 'utf8')).toMatch(/^start\tend\ttext\n\d+\t\d+\t\S/);
      expect(readFileSync(join(out, `${base}.txt`), 'utf8').trim()).toBe(seg.text.trim());
    }
  });

  it('prints one format to stdout with --output-dir -, without VAD, greedy', async () => {
    const t = io();
    const code = await runTranscribe([speech, ...model, '--output-format', 'json', '--output-dir', '-', '--no-vad', '--beam-size', '1', '--quiet'], t);
    expect(code, t.stderr).toBe(0);
    const json = JSON.parse(t.stdout) as { segments: Array<{ start: number; end: number }> };
    // No VAD: the chunk is the whole (short) file.
    expect(json.segments[0]).toMatchObject({ start: 0 });
  });

  it('fails with a clear message and exit 1 for a file that is not there, and keeps going with the rest', async () => {
    const t = io();
    const code = await runTranscribe([join(tmp, 'missing.wav'), speech, ...model, '--output-format', 'txt', '--output-dir', join(tmp, 'out2'), '--no-vad'], t);
    expect(code).toBe(1);
    expect(t.stderr).toMatch(/missing\.wav: .*(not found|does not exist|No such file)/i);
    expect(t.stderr).toMatch(/1 of 2 file\(s\) failed/);
    expect(existsSync(join(tmp, 'out2', 'speech.txt'))).toBe(true);
  });

  it('rejects bad flags with usage (exit 2) and a model it cannot load with exit 1', async () => {
    const a = io();
    expect(await runTranscribe([speech, ...model, '--output-format', 'docx'], a)).toBe(2);
    expect(a.stderr).toMatch(/Unknown output format "docx"/);
    const b = io();
    expect(await runTranscribe([speech, ...model, '--batch-size', '0'], b)).toBe(2);
    const c = io();
    expect(await runTranscribe([], c)).toBe(2);
    const d = io();
    expect(await runTranscribe([speech, '--model', join(tmp, 'no-model'), '--data-dir', join(tmp, 'data')], d)).toBe(1);
    expect(d.stderr).toMatch(/cannot load the model: Model no-model cannot be used: model folder .* does not exist/);
    const e = io();
    expect(await runTranscribe([speech, ...model, '--device', 'cuda'], e)).toBe(1);
    expect(e.stderr).toMatch(/CUDA was requested/);
  });

  it('takes the temperature schedule of WhisperX', async () => {
    expect(fallbackTemperatures(undefined, undefined)).toBeUndefined();
    expect(fallbackTemperatures('0', '0.2')).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(fallbackTemperatures('0.5', 'none')).toEqual([0.5]);
  });

  it('exits 130 when cancelled', async () => {
    const t = io();
    const ac = new AbortController();
    const long = join(tmp, 'long.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=240', '-ar', '16000', '-ac', '1', long]);
    const run = runTranscribe([long, ...model, '--no-vad', '--output-dir', join(tmp, 'out3')], { ...t, err: (s) => (t.err(s), /long\.wav: .*decoder/.test(s) && ac.abort()) }, { signal: ac.signal });
    expect(await run).toBe(130);
    expect(t.stderr).toMatch(/cancelled/);
  });
});
