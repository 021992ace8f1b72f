/**
 * The alignment stage: whisperx's align() over a transcript's segments, one segment at a time.
 * As whisperx: a segment's start/end become its first aligned character's start and last
 * aligned character's end, and word_segments lists every segment's words.
 * Differences from whisperx, on purpose:
 * - a segment is not split into sentences (whisperx uses nltk punkt); it stays one segment,
 *   with its other fields (id, speaker, tokens...) and its original text kept;
 * - a segment that cannot be aligned keeps its times and gets its words without times
 *   (whisperx gives it no words), so no text goes missing from word-level output;
 * - audio longer than the aligner's input bound is run in slices (see OnnxCtcAligner).
 */
import type { AudioBuffer16k, Segment, Transcript, Word } from '../types';
import type { CtcAligner } from './aligner';
import { alignTokens, logSoftmax, withWildcardColumn } from './ctc';
import { cleanText, untimedWords, wordsFromChars, type UnknownCharPolicy } from './text';

const SAMPLE_RATE = 16000;

export interface AlignOptions {
  /** The transcript's language: ja and zh align character by character. */
  language: string;
  /** Characters missing from the model's vocabulary: 'wildcard' (recent whisperx, default) or 'skip'. */
  unknownChars?: UnknownCharPolicy;
  /** Checked between segments. */
  signal?: AbortSignal;
  onProgress?: (segmentsDone: number, segmentsTotal: number) => void;
  /** Told about each segment that kept its original times, and why (whisperx logs these). */
  onUnaligned?: (segment: Segment, reason: UnalignedReason) => void;
}

export interface AlignResult {
  segments: Segment[];
  /** Every segment's words in order (the same objects as in segments[].words, as in whisperx). */
  word_segments: Word[];
}

/** Why a segment kept its original times (for logs; whisperx logs the same cases). */
export type UnalignedReason = 'no_alignable_characters' | 'outside_audio' | 'backtrack_failed';

function unaligned(segment: Segment, language: string): Segment {
  return { ...segment, words: untimedWords(segment.text, language) };
}

/** Align one segment against its slice of `audio`; null with a reason when it cannot be. */
async function alignOne(segment: Segment, audio: AudioBuffer16k, aligner: CtcAligner, opts: AlignOptions): Promise<Segment | UnalignedReason> {
  const clean = cleanText(segment.text, aligner.dictionary, opts.language, opts.unknownChars ?? 'wildcard');
  // Word separators alone place no word (whisperx would align them and then drop the segment).
  if (clean.chars.every((c) => c === '|')) return 'no_alignable_characters';
  const t1 = segment.start;
  const t2 = segment.end;
  // whisperx skips a segment that starts after the audio; a buffer that is part of a file can also end before it.
  if (t1 >= audio.offset + audio.samples.length / SAMPLE_RATE || t2 <= audio.offset) return 'outside_audio';

  // whisperx: audio[:, int(t1 * SR):int(t2 * SR)], file positions; this buffer starts at audio.offset.
  const origin = Math.round(audio.offset * SAMPLE_RATE);
  const clamp = (i: number) => Math.min(audio.samples.length, Math.max(0, i));
  const slice = audio.samples.subarray(clamp(Math.trunc(t1 * SAMPLE_RATE) - origin), clamp(Math.trunc(t2 * SAMPLE_RATE) - origin));

  const logits = await aligner.logits(slice);
  let emission = logSoftmax(logits.data, logits.frames, logits.classes);
  let wildcardId = -1;
  if (clean.hasUnknown) ({ emission, wildcardId } = withWildcardColumn(emission, aligner.blankId));
  const tokens = clean.chars.map((c) => aligner.dictionary.get(c) ?? wildcardId);
  const spans = alignTokens(emission, tokens, aligner.blankId);
  if (!spans) return 'backtrack_failed';

  // whisperx's ratio: the segment's duration spread over the emission frames.
  const ratio = (t2 - t1) / emission.frames;
  const { words, start, end } = wordsFromChars({ text: segment.text, language: opts.language, clean, spans, ratio, t1 });
  return { ...segment, start: start ?? t1, end: end ?? t2, words };
}

/**
 * Word timings for each segment by CTC forced alignment. `audio` may be the whole file or a
 * part of it (samples start at audio.offset seconds); segment times are file times.
 */
export async function alignSegments(segments: readonly Segment[], audio: AudioBuffer16k, aligner: CtcAligner, opts: AlignOptions): Promise<AlignResult> {
  const out: Segment[] = [];
  for (const segment of segments) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const aligned = await alignOne(segment, audio, aligner, opts);
    if (typeof aligned === 'string') {
      opts.onUnaligned?.(segment, aligned);
      out.push(unaligned(segment, opts.language));
    } else out.push(aligned);
    opts.onProgress?.(out.length, segments.length);
  }
  return { segments: out, word_segments: out.flatMap((s) => s.words ?? []) };
}

/** The stage over a whole transcript: (transcript, audio, aligner, options) → aligned transcript. */
export async function alignTranscript(t: Transcript, audio: AudioBuffer16k, aligner: CtcAligner, opts: Omit<AlignOptions, 'language'> = {}): Promise<Transcript> {
  const { segments, word_segments } = await alignSegments(t.segments, audio, aligner, { ...opts, language: t.language });
  return { ...t, segments, word_segments };
}
