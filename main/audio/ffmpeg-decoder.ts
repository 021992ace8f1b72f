import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export const SAMPLE_RATE = 16000;

export interface FfmpegDecodeArgs {
  ffmpeg: string;
  /** The `file:` URL of the input. */
  input: string;
  startSeconds?: number;
  durationSeconds?: number;
}

/** The command line: first audio stream → 16 kHz mono float32 little-endian on stdout. */
export function ffmpegDecodeArgs(a: FfmpegDecodeArgs): string[] {
  return [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    '-protocol_whitelist', 'file',
    // Input seeking: fast, and sample-accurate for audio since ffmpeg 2.1.
    ...(a.startSeconds ? ['-ss', a.startSeconds.toFixed(6)] : []),
    '-i', a.input,
    ...(a.durationSeconds !== undefined && Number.isFinite(a.durationSeconds) ? ['-t', a.durationSeconds.toFixed(6)] : []),
    '-map', '0:a:0', '-vn', '-sn', '-dn',
    '-ac', '1', '-ar', String(SAMPLE_RATE),
    // Normalised downmix, as ffmpeg does for WhisperX's s16 output; float output would
    // otherwise sum channels past 1.0 (5.1 at half scale peaks at 1.7).
    '-rematrix_maxval', '1.0',
    '-c:a', 'pcm_f32le', '-f', 'f32le', 'pipe:1',
  ];
}

export interface DecoderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The tail of stderr (ffmpeg prints errors only, with -loglevel error). */
  stderr: string;
  /** Set when the process could not be started at all. */
  spawnError: Error | null;
}

const stderrKeepChars = 16_000;

/**
 * One running ffmpeg. Its stdout is read with backpressure: while nobody pulls samples the
 * pipe fills and ffmpeg blocks, so memory stays at one pipe buffer however long the file is.
 */
export class FfmpegDecoder {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves (never rejects) when ffmpeg has exited and its pipes are closed. */
  readonly exited: Promise<DecoderExit>;
  private stderr = '';
  private spawnError: Error | null = null;
  private ended = false;

  constructor(args: FfmpegDecodeArgs) {
    this.child = spawn(args.ffmpeg, ffmpegDecodeArgs(args), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-stderrKeepChars);
    });
    this.exited = new Promise((resolveExit) => {
      this.child.on('error', (e) => {
        this.spawnError = e;
        // 'close' does not follow a failed spawn on every Node version.
        if (this.child.pid === undefined) this.finish(resolveExit, null, null);
      });
      this.child.on('close', (code, signal) => this.finish(resolveExit, code, signal));
    });
  }

  private finish(resolveExit: (e: DecoderExit) => void, code: number | null, signal: NodeJS.Signals | null) {
    if (this.ended) return;
    this.ended = true;
    resolveExit({ code, signal, stderr: this.stderr, spawnError: this.spawnError });
  }

  get running(): boolean {
    return !this.ended && this.child.exitCode === null && this.child.signalCode === null;
  }

  get stdout(): Readable {
    return this.child.stdout;
  }

  /** Stops ffmpeg now (cancel, abort, or a consumer that stopped early). */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
    this.child.stdout.destroy();
  }
}
