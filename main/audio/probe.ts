import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { audioError, checkInputFile, ffmpegInputUrl, stderrSummary, supportedFormatsHint } from './input-file';
import { requireFfmpeg } from './ffmpeg-locate';

export interface AudioProbe {
  /** Seconds, as the container (or the audio stream) declares it; 0 when it declares none. */
  durationS: number;
  /** ffprobe's format_name, e.g. "wav", "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm". */
  format: string;
  /** Codec of the audio stream that will be decoded (the first one), e.g. "opus"; "" when none. */
  codec: string;
  sampleRate: number;
  channels: number;
  hasAudio: boolean;
  /** Every stream, e.g. ["video/h264", "audio/aac"], for messages and the UI. */
  streams: string[];
}

/** ffprobe reads headers only; a minute covers slow network mounts, and a hung probe must not hang a job. */
const probeTimeoutMs = 60_000;

interface FfprobeJson {
  streams?: Array<{ codec_type?: string; codec_name?: string; sample_rate?: string; channels?: number; duration?: string }>;
  format?: { format_name?: string; duration?: string };
}

function runProbe(ffprobe: string, file: string): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      ffprobe,
      [
        '-v', 'error', '-hide_banner',
        // Playlists and concat lists could otherwise make ffprobe fetch URLs or other files.
        '-protocol_whitelist', 'file',
        '-show_entries', 'format=format_name,duration:stream=codec_type,codec_name,sample_rate,channels,duration',
        '-of', 'json',
        ffmpegInputUrl(file),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 64_000) stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, probeTimeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr, timedOut });
    });
  });
}

function seconds(s: string | undefined): number {
  const n = s === undefined ? NaN : Number(s);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** What is in a media file, without decoding it. Throws the audio_* errors for files it cannot read. */
export async function probeAudio(path: string): Promise<AudioProbe> {
  const { file } = await checkInputFile(path);
  const tools = requireFfmpeg();
  const name = basename(file);
  let run;
  try {
    run = await runProbe(tools.ffprobe, file);
  } catch (e) {
    throw audioError('audio_decode_failed', file, `Could not run ffprobe (${tools.ffprobe}) on ${name}: ${(e as Error).message}`, 'Check the ffmpeg installation (whisperx-console doctor)');
  }
  if (run.timedOut) {
    throw audioError('audio_unreadable', file, `ffprobe did not finish reading ${name} within ${probeTimeoutMs / 1000} s`, 'Copy the file to a local disk and try again');
  }
  if (run.code !== 0) {
    const why = stderrSummary(run.stderr, file) || `ffprobe exited with code ${run.code}`;
    throw audioError('audio_unreadable', file, `${name} is not an audio or video file ffmpeg can read (${why})`, `${supportedFormatsHint}; if it is one, it may be truncated or damaged`, { ffmpeg: why });
  }
  let parsed: FfprobeJson;
  try {
    parsed = JSON.parse(run.stdout) as FfprobeJson;
  } catch {
    throw audioError('audio_unreadable', file, `ffprobe gave no readable description of ${name}`, supportedFormatsHint);
  }
  const streams = parsed.streams ?? [];
  const audio = streams.find((s) => s.codec_type === 'audio');
  return {
    durationS: seconds(audio?.duration) || seconds(parsed.format?.duration),
    format: parsed.format?.format_name ?? '',
    codec: audio?.codec_name ?? '',
    sampleRate: Number(audio?.sample_rate ?? 0) || 0,
    channels: audio?.channels ?? 0,
    hasAudio: audio !== undefined,
    streams: streams.map((s) => `${s.codec_type ?? 'unknown'}/${s.codec_name ?? 'unknown'}`),
  };
}

/** The audio_no_stream error for a probe without audio (an image, a silent video, a subtitle file). */
export function noAudioStreamError(file: string, probe: AudioProbe) {
  const name = basename(file);
  const what = probe.streams.length ? probe.streams.join(', ') : 'no streams at all';
  const image = /(_pipe|image2)$/.test(probe.format);
  return audioError(
    'audio_no_stream',
    file,
    image
      ? `${name} is an image (${probe.format.replace(/_pipe$/, '')}), not audio: there is nothing to transcribe`
      : `${name} has no audio track (it holds ${what}): there is nothing to transcribe`,
    supportedFormatsHint,
    { format: probe.format, streams: probe.streams },
  );
}
