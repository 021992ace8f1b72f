import { accessSync, constants, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { ConsoleError } from '../core/errors';

/** Where the ffmpeg binary in use came from, in the order they are tried. */
export type FfmpegSource = 'option' | 'env' | 'config' | 'path';

export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
  source: FfmpegSource;
}

export interface FfmpegSettings {
  /** Path to ffmpeg (config.yml `audio.ffmpeg`); null = use $WHISPERX_FFMPEG or PATH. */
  ffmpeg?: string | null;
  /** Path to ffprobe; null = next to the ffmpeg in use, else PATH. */
  ffprobe?: string | null;
}

export const ffmpegInstallHint =
  'Install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg), or set WHISPERX_FFMPEG (or audio.ffmpeg in config.yml) to the ffmpeg binary';

let configured: FfmpegSettings = {};

/** Sets the paths from config.yml (the composition root calls this once at start). */
export function configureFfmpeg(settings: FfmpegSettings): void {
  configured = { ...settings };
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** A bare name (`ffmpeg`) is looked up on PATH; anything with a slash is a file path. */
function resolveBinary(spec: string, env: NodeJS.ProcessEnv): string | null {
  if (!spec.includes('/') && !spec.includes('\\')) return onPath(spec, env);
  const abs = isAbsolute(spec) ? spec : resolve(spec);
  return isExecutableFile(abs) ? abs : null;
}

/** ffprobe lives next to ffmpeg in every distribution we know of (ffmpeg -> ffprobe, ffmpeg.exe -> ffprobe.exe). */
function siblingProbe(ffmpeg: string): string | null {
  const name = basename(ffmpeg).replace(/ffmpeg/i, 'ffprobe');
  if (name === basename(ffmpeg)) return null;
  const candidate = join(dirname(ffmpeg), name);
  return isExecutableFile(candidate) ? candidate : null;
}

export interface FindFfmpegOptions extends FfmpegSettings {
  env?: NodeJS.ProcessEnv;
}

/**
 * The ffmpeg and ffprobe binaries to use, or null when there are none. Order: an explicit
 * option, then $WHISPERX_FFMPEG / $WHISPERX_FFPROBE, then config.yml's `audio.ffmpeg`, then PATH.
 * A configured path that does not exist is "not found" (null), never a silent fallback to PATH,
 * so a typo in the setting shows up in `doctor`.
 */
export function findFfmpeg(opts: FindFfmpegOptions = {}): FfmpegTools | null {
  const env = opts.env ?? process.env;
  const layers: Array<{ source: FfmpegSource; ffmpeg?: string | null | undefined; ffprobe?: string | null | undefined }> = [
    { source: 'option', ffmpeg: opts.ffmpeg, ffprobe: opts.ffprobe },
    { source: 'env', ffmpeg: env.WHISPERX_FFMPEG, ffprobe: env.WHISPERX_FFPROBE },
    { source: 'config', ffmpeg: configured.ffmpeg, ffprobe: configured.ffprobe },
  ];
  const chosen = layers.find((l) => l.ffmpeg) ?? { source: 'path' as const, ffmpeg: 'ffmpeg', ffprobe: undefined };
  const ffmpeg = resolveBinary(chosen.ffmpeg as string, env);
  if (!ffmpeg) return null;
  const probeSpec = layers.find((l) => l.ffprobe)?.ffprobe;
  const ffprobe = probeSpec ? resolveBinary(probeSpec, env) : (siblingProbe(ffmpeg) ?? onPath('ffprobe', env));
  if (!ffprobe) return null;
  return { ffmpeg, ffprobe, source: chosen.source };
}

/** Like findFfmpeg, but a missing ffmpeg is a readable error. */
export function requireFfmpeg(opts: FindFfmpegOptions = {}): FfmpegTools {
  const tools = findFfmpeg(opts);
  if (tools) return tools;
  const env = opts.env ?? process.env;
  const asked = opts.ffmpeg ?? env.WHISPERX_FFMPEG ?? configured.ffmpeg;
  throw new ConsoleError(
    'ffmpeg_missing',
    asked
      ? `ffmpeg/ffprobe not found at the configured path "${asked}", so audio files cannot be decoded`
      : 'ffmpeg/ffprobe not found on PATH, so audio files cannot be decoded',
    { hint: ffmpegInstallHint, status: 503, details: { configured: asked ?? null } },
  );
}

/** Decoders a transcription needs for the formats the console promises (docs/audio.md). */
export const requiredDecoders = ['pcm_s16le', 'mp3', 'flac', 'vorbis', 'opus', 'aac'] as const;

export interface FfmpegReport {
  found: boolean;
  ffmpeg: string | null;
  ffprobe: string | null;
  source: FfmpegSource | null;
  /** e.g. "5.1.9-0+deb12u1"; null when it could not be run. */
  version: string | null;
  /** Required decoders this build lacks (files of those formats will fail). */
  missingDecoders: string[];
  /** What is wrong, for people; null when all is well. */
  problem: string | null;
  hint: string | null;
}

function runCapture(bin: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (stdout.length < 1_000_000) stdout += d;
    });
    child.on('error', () => resolveRun({ code: null, stdout }));
    child.on('close', (code) => resolveRun({ code, stdout }));
  });
}

/** What the `doctor` command and the health report show about ffmpeg. */
export async function inspectFfmpeg(opts: FindFfmpegOptions = {}): Promise<FfmpegReport> {
  const tools = findFfmpeg(opts);
  if (!tools) {
    let problem: string;
    try {
      requireFfmpeg(opts);
      problem = 'ffmpeg not found';
    } catch (e) {
      problem = (e as Error).message;
    }
    return { found: false, ffmpeg: null, ffprobe: null, source: null, version: null, missingDecoders: [...requiredDecoders], problem, hint: ffmpegInstallHint };
  }
  const ver = await runCapture(tools.ffmpeg, ['-hide_banner', '-version']);
  const version = /ffmpeg version (\S+)/.exec(ver.stdout)?.[1] ?? null;
  if (ver.code !== 0 || !version) {
    return { found: false, ...tools, version: null, missingDecoders: [...requiredDecoders], problem: `${tools.ffmpeg} did not run (ffmpeg -version failed)`, hint: ffmpegInstallHint };
  }
  const dec = await runCapture(tools.ffmpeg, ['-hide_banner', '-decoders']);
  const have = new Set(dec.stdout.split('\n').map((l) => l.trim().split(/\s+/)[1]).filter(Boolean));
  const missingDecoders = requiredDecoders.filter((d) => !have.has(d));
  return {
    found: true,
    ...tools,
    version,
    missingDecoders,
    problem: missingDecoders.length ? `this ffmpeg build lacks decoders: ${missingDecoders.join(', ')}` : null,
    hint: missingDecoders.length ? 'Install a full ffmpeg build (apt-get install ffmpeg)' : null,
  };
}
