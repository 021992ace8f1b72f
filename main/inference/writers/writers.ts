import type { Segment, Transcript, Word } from '../types';
import { subtitleCues, type SubtitleOptions } from './subtitles';
import { toMilliseconds } from './timestamps';

/** The formats WhisperX's --output_format offers besides "all", in its order. */
export const outputFormats = ['txt', 'vtt', 'srt', 'tsv', 'json'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export type WriteOptions = SubtitleOptions;

export function isOutputFormat(s: string): s is OutputFormat {
  return (outputFormats as readonly string[]).includes(s);
}

/** "srt,vtt" / "all" (the CLI's --output-format) → formats; an unknown one is a RangeError naming it. */
export function parseOutputFormats(spec: string): OutputFormat[] {
  const parts = spec.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (parts.includes('all')) return [...outputFormats];
  const bad = parts.filter((p) => !isOutputFormat(p));
  if (bad.length || parts.length === 0) {
    throw new RangeError(`Unknown output format "${bad.join(',') || spec}": use ${outputFormats.join(', ')} or all`);
  }
  return [...new Set(parts as OutputFormat[])];
}

function writeTxt(t: Transcript): string {
  return t.segments
    .map((s) => {
      const text = s.text.trim();
      return s.speaker !== undefined ? `[${s.speaker}]: ${text}\n` : `${text}\n`;
    })
    .join('');
}

function writeVtt(t: Transcript, o: WriteOptions): string {
  let out = 'WEBVTT\n\n';
  for (const cue of subtitleCues(t, false, '.', o)) out += `${cue.start} --> ${cue.end}\n${cue.text}\n\n`;
  return out;
}

function writeSrt(t: Transcript, o: WriteOptions): string {
  let out = '';
  let i = 1;
  for (const cue of subtitleCues(t, true, ',', o)) out += `${i++}\n${cue.start} --> ${cue.end}\n${cue.text}\n\n`;
  return out;
}

/**
 * WhisperX's TSV: integer milliseconds, so no locale can turn the decimal point into a comma.
 * When segments carry speakers a `speaker` column follows `text` (positional readers of the
 * first three columns keep working).
 */
function writeTsv(t: Transcript): string {
  const withSpeaker = t.segments.some((s) => s.speaker !== undefined);
  let out = withSpeaker ? 'start\tend\ttext\tspeaker\n' : 'start\tend\ttext\n';
  for (const s of t.segments) {
    const text = s.text.trim().replaceAll('\t', ' ');
    out += `${toMilliseconds(s.start)}\t${toMilliseconds(s.end)}\t${text}`;
    out += withSpeaker ? `\t${(s.speaker ?? '').replaceAll('\t', ' ')}\n` : '\n';
  }
  return out;
}

const segmentKeys = ['id', 'start', 'end', 'text', 'tokens', 'temperature', 'avg_logprob', 'compression_ratio', 'no_speech_prob', 'words', 'speaker'] as const;
const wordKeys = ['word', 'start', 'end', 'score', 'speaker'] as const;

/** Known keys first in a fixed order (stable files, stable diffs), then anything else a stage added. */
function ordered<T extends object>(obj: T, keys: readonly string[]): Record<string, unknown> {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out;
}

function jsonWord(w: Word) {
  return ordered(w, wordKeys);
}

function jsonSegment(s: Segment) {
  const o = ordered(s, segmentKeys);
  if (s.words) o.words = s.words.map(jsonWord);
  return o;
}

/** WhisperX's result dict: {segments, word_segments?, language}. */
function writeJson(t: Transcript): string {
  const out: Record<string, unknown> = { segments: t.segments.map(jsonSegment) };
  if (t.word_segments) out.word_segments = t.word_segments.map(jsonWord);
  out.language = t.language;
  return JSON.stringify(out);
}

/** A transcript as the text of one output file, shaped as WhisperX writes it. */
export function writeTranscript(t: Transcript, format: OutputFormat, opts: WriteOptions = {}): string {
  switch (format) {
    case 'txt':
      return writeTxt(t);
    case 'vtt':
      return writeVtt(t, opts);
    case 'srt':
      return writeSrt(t, opts);
    case 'tsv':
      return writeTsv(t);
    case 'json':
      return writeJson(t);
    default: {
      const never: never = format;
      throw new RangeError(`Unknown output format "${String(never)}": use ${outputFormats.join(', ')}`);
    }
  }
}
