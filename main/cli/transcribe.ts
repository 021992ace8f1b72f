import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConsoleConfig } from '../core/config/loader';
import { computeTypes, devices } from '../core/config/sections/profiles';
import { describeError, isConsoleError } from '../core/errors';
import { modelDir } from '../inference/catalog';
import { speakerModelsFromConfig } from '../inference/speakers';
import { WhisperEngine, type TranscribeRequest } from '../inference/engine/engine';
import type { PipelineProgress } from '../inference/types';
import { outputFormats, parseOutputFormats, writeAll, writeTranscript, type OutputFormat } from '../inference/writers';
import { commonOptions, configFromFlags, exitCodes, type CliIO } from './common';

export const transcribeHelp = `whisperx-console transcribe FILE... [options]

Transcribes audio or video files (anything ffmpeg reads) with the configured Whisper model.

Options:
  --model DIR              model folder (name under paths.models, or a path); default model.name
  --language CODE          e.g. en, de; default model.language (null = detect on the first chunk)
  --task transcribe|translate
  --output-format LIST     ${outputFormats.join(',')} or all (default all)
  --output-dir DIR         where <file>.<format> go (default .); "-" prints to stdout (one format)
  --profile NAME           hardware profile from config.yml
  --batch-size N           chunks decoded together (default: profile batch_size)
  --compute-type T         ${computeTypes.join(' | ')} (default: profile compute_type)
  --device D               ${devices.join(' | ')} (default: profile device)
  --beam-size N            1 = greedy (default: profile beam_size)
  --no-vad                 no voice activity detection: fixed chunk-length windows
  --initial-prompt TEXT    context / hotwords, fed before the transcript
  --align                  word timestamps by forced alignment (alignment.models in config.yml)
  --diarize                who spoke when: speaker labels on segments and words
  --min-speakers N, --max-speakers N, --num-speakers N
                           bounds on (or the exact number of) speakers for --diarize
  --highlight-words        srt/vtt: one cue per word, the word underlined (needs --align)
  --split-by-speaker       with --align --diarize: cut segments where the speaker changes
  --temperature T          first sampling temperature (default 0)
  --temperature-increment-on-fallback X|none
                           retry step when a chunk fails the compression-ratio /
                           log-probability checks (default 0.2; none = no fallback)
  --config FILE, --data-dir DIR
  --quiet                  no progress bar

Exit codes: 0 ok, 1 a file failed, 2 usage error, 3 invalid configuration, 130 cancelled.`;

const options = {
  ...commonOptions,
  model: { type: 'string' },
  language: { type: 'string' },
  task: { type: 'string' },
  'output-format': { type: 'string' },
  'output-dir': { type: 'string' },
  'batch-size': { type: 'string' },
  'compute-type': { type: 'string' },
  device: { type: 'string' },
  'beam-size': { type: 'string' },
  'no-vad': { type: 'boolean' },
  'initial-prompt': { type: 'string' },
  align: { type: 'boolean' },
  diarize: { type: 'boolean' },
  'min-speakers': { type: 'string' },
  'max-speakers': { type: 'string' },
  'num-speakers': { type: 'string' },
  'highlight-words': { type: 'boolean' },
  'split-by-speaker': { type: 'boolean' },
  temperature: { type: 'string' },
  'temperature-increment-on-fallback': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

class Usage extends Error {}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Usage(`${flag} must be a positive integer, got "${v}"`);
  return n;
}

/** WhisperX's temperatures: T, T+inc, … up to 1.0; inc none = T alone. */
export function fallbackTemperatures(t: string | undefined, inc: string | undefined): number[] | undefined {
  if (t === undefined && inc === undefined) return undefined;
  const start = t === undefined ? 0 : Number(t);
  if (!Number.isFinite(start) || start < 0 || start > 1) throw new Usage(`--temperature must be between 0 and 1, got "${t}"`);
  if (inc === 'none') return [start];
  const step = inc === undefined ? 0.2 : Number(inc);
  if (!Number.isFinite(step) || step <= 0) throw new Usage(`--temperature-increment-on-fallback must be a positive number or none, got "${inc}"`);
  const out: number[] = [];
  for (let k = 0; start + k * step <= 1 + 1e-9; k++) out.push(Math.round((start + k * step) * 1e6) / 1e6);
  return out;
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new Usage(`${flag} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

/** A one-line bar on a TTY; on a pipe, a line per 10 %. */
export class ProgressBar {
  private lastDecile = -1;
  constructor(
    private readonly io: CliIO,
    private readonly label: string,
  ) {}
  update(p: PipelineProgress): void {
    const pct = Math.floor(p.fraction * 100);
    const eta = p.etaSeconds === null ? '' : ` ETA ${formatSeconds(p.etaSeconds)}`;
    const tail = `${pct.toString().padStart(3)}% ${p.audioSecondsDone.toFixed(1)}/${p.audioSecondsTotal.toFixed(1)} s ${p.stage}${eta}`;
    if (this.io.isTTY) {
      const width = 24;
      const filled = Math.round(p.fraction * width);
      this.io.err(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${tail}\x1b[K`);
    } else if (Math.floor(pct / 10) > this.lastDecile) {
      this.lastDecile = Math.floor(pct / 10);
      this.io.err(`${this.label}: ${tail}\n`);
    }
  }
  done(summary: string): void {
    this.io.err(this.io.isTTY ? `\r${this.label}: ${summary}\x1b[K\n` : `${this.label}: ${summary}\n`);
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${Math.round(s % 60)
    .toString()
    .padStart(2, '0')}s`;
}

export interface TranscribeRunOptions {
  /** Cancels the run (default: SIGINT). */
  signal?: AbortSignal;
}

export async function runTranscribe(argv: string[], io: CliIO, run: TranscribeRunOptions = {}): Promise<number> {
  let flags: ReturnType<typeof parse>['values'];
  let files: string[];
  const parse = (a: string[]) => parseArgs({ args: a, options, allowPositionals: true, strict: true });
  try {
    const parsed = parse(argv);
    flags = parsed.values;
    files = parsed.positionals;
    if (flags.help) {
      io.out(`${transcribeHelp}\n`);
      return exitCodes.ok;
    }
    if (files.length === 0) throw new Usage('no input files');
  } catch (e) {
    io.err(`whisperx-console transcribe: ${(e as Error).message}\n\n${transcribeHelp}\n`);
    return exitCodes.usage;
  }

  let cfg: ConsoleConfig;
  let formats: OutputFormat[];
  let request: TranscribeRequest;
  let engine: WhisperEngine;
  let highlightWords: boolean;
  const toStdout = flags['output-dir'] === '-';
  try {
    formats = parseOutputFormats(flags['output-format'] ?? 'all');
    if (toStdout && formats.length !== 1) throw new Usage(`--output-dir - prints one format to stdout; got ${formats.join(',')}`);
    const batchSize = positiveInt(flags['batch-size'], '--batch-size');
    const beamSize = positiveInt(flags['beam-size'], '--beam-size');
    const computeType = oneOf(flags['compute-type'], computeTypes, '--compute-type');
    const device = oneOf(flags.device, devices, '--device');
    const task = oneOf(flags.task, ['transcribe', 'translate'] as const, '--task');
    const temperatures = fallbackTemperatures(flags.temperature, flags['temperature-increment-on-fallback']);
    const minSpeakers = positiveInt(flags['min-speakers'], '--min-speakers');
    const maxSpeakers = positiveInt(flags['max-speakers'], '--max-speakers');
    const numSpeakers = positiveInt(flags['num-speakers'], '--num-speakers');
    if ((minSpeakers ?? numSpeakers ?? maxSpeakers) !== undefined && !flags.diarize) throw new Usage('--min-speakers / --max-speakers / --num-speakers need --diarize');
    if (minSpeakers !== undefined && maxSpeakers !== undefined && minSpeakers > maxSpeakers) throw new Usage(`--min-speakers (${minSpeakers}) is above --max-speakers (${maxSpeakers})`);
    if (flags['highlight-words'] && !flags.align) throw new Usage('--highlight-words needs --align (word timestamps)');
    if (flags['split-by-speaker'] && !(flags.align && flags.diarize)) throw new Usage('--split-by-speaker needs --align and --diarize');
    try {
      cfg = configFromFlags(flags, io);
    } catch (e) {
      io.err(`whisperx-console: ${describeError(e)}\n`);
      return isConsoleError(e) && e.code === 'config_invalid' ? exitCodes.config : exitCodes.failure;
    }
    const name = flags.model ?? cfg.model.name;
    const dir = flags.model ? resolve(io.cwd, flags.model) : modelDir(cfg.paths.models, name);
    const profile = {
      ...cfg.profile,
      ...(batchSize !== undefined ? { batch_size: batchSize } : {}),
      ...(beamSize !== undefined ? { beam_size: beamSize } : {}),
      ...(computeType ? { compute_type: computeType } : {}),
      ...(device ? { device } : {}),
    };
    const vad = !flags['no-vad'];
    const speakers = speakerModelsFromConfig(cfg);
    if (flags['split-by-speaker']) speakers.diarization.splitBySpeaker = true;
    engine = new WhisperEngine({ modelDir: dir, modelName: basename(dir), profile, speakers, ...(vad ? {} : { vadModelPath: null }) });
    highlightWords = flags['highlight-words'] ?? (flags.align ? cfg.alignment.highlight_words : false);
    request = {
      ...(flags.align ? { align: true } : {}),
      ...(flags.diarize ? { diarize: true } : {}),
      ...(minSpeakers !== undefined ? { minSpeakers } : {}),
      ...(maxSpeakers !== undefined ? { maxSpeakers } : {}),
      ...(numSpeakers !== undefined ? { numSpeakers } : {}),
      language: flags.language ?? cfg.model.language,
      task: task ?? cfg.model.task,
      vad,
      initialPrompt: flags['initial-prompt'] ?? null,
      ...(temperatures ? { decoding: { temperatures } } : {}),
    };
  } catch (e) {
    if (e instanceof Usage || e instanceof RangeError) {
      io.err(`whisperx-console transcribe: ${e.message}\n\n${transcribeHelp}\n`);
      return exitCodes.usage;
    }
    throw e;
  }

  const ac = new AbortController();
  const onSigint = () => ac.abort();
  if (run.signal) run.signal.addEventListener('abort', onSigint, { once: true });
  else process.once('SIGINT', onSigint);
  const outDir = resolve(io.cwd, flags['output-dir'] && !toStdout ? flags['output-dir'] : '.');
  let failed = 0;
  try {
    try {
      await engine.load();
    } catch (e) {
      io.err(`whisperx-console transcribe: cannot load the model: ${describeError(e)}\n`);
      return exitCodes.failure;
    }
    const s = engine.status();
    if (!flags.quiet) io.err(`model ${basename(s.variant_file ?? '')} on ${s.execution_provider} (${s.execution_provider_reason})\n`);
    for (const file of files) {
      if (ac.signal.aborted) break;
      const label = basename(file);
      const bar = flags.quiet ? null : new ProgressBar(io, label);
      const t0 = performance.now();
      try {
        const r = await engine.transcribe(resolve(io.cwd, file), request, { signal: ac.signal, ...(bar ? { onProgress: (p: PipelineProgress) => bar.update(p) } : {}) });
        const wall = (performance.now() - t0) / 1000;
        if (toStdout) io.out(writeTranscript(r.transcript, formats[0]!, { highlightWords }));
        else {
          const written = await writeAll(r.transcript, formats, outDir, basename(file, extname(file)), { highlightWords });
          if (flags.quiet) io.err(`${written.join('\n')}\n`);
          else bar?.done(`${r.transcript.segments.length} segments, ${r.transcript.duration.toFixed(1)} s of audio in ${wall.toFixed(1)} s → ${written.join(', ')}`);
        }
      } catch (e) {
        if (isConsoleError(e) && e.code === 'cancelled') break;
        failed++;
        io.err(`${io.isTTY ? '\n' : ''}whisperx-console transcribe: ${file}: ${describeError(e)}\n`);
      }
    }
  } finally {
    if (run.signal) run.signal.removeEventListener('abort', onSigint);
    else process.removeListener('SIGINT', onSigint);
    await engine.unload();
  }
  if (ac.signal.aborted) {
    io.err('whisperx-console transcribe: cancelled\n');
    return exitCodes.cancelled;
  }
  if (failed > 0) {
    io.err(`whisperx-console transcribe: ${failed} of ${files.length} file(s) failed\n`);
    return exitCodes.failure;
  }
  return exitCodes.ok;
}
