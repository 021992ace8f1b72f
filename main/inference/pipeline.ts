/**
 * The transcription pipeline, stage after stage (WhisperX's order): decode audio →
 * VAD cut & merge → features → encode → decode. Audio streams through in windows, so
 * a long file never sits decoded in memory at once; only a window (plus the speech chunk
 * that crosses its end) is held.
 */
import { decodeAudioFile } from '../audio';
import type { LoadedWhisper } from './engine/loaded-model';
import { cutAndMerge, type Vad } from './vad';
import { assignWordSpeakers, type SpeakerTurn } from './diarize/assign';
import { splitSegmentsBySpeaker } from './diarize/split';
import type { AudioBuffer16k, PipelineProgress, PipelineStage, Segment, SpeechRegion, Transcript } from './types';
import type { WhisperDecodingOptions } from './whisper/transcriber';

const SR = 16000;

/** VAD + cut & merge: speech chunks of at most chunkSize seconds, times from the file start. */
export interface SpeechChunker {
  chunks(audio: AudioBuffer16k, chunkSize: number, signal?: AbortSignal): Promise<SpeechRegion[]>;
}

/** The colleague's Silero VAD, then WhisperX's cut & merge on its frame probabilities. */
export function vadChunker(vad: Vad): SpeechChunker {
  return {
    async chunks(audio, chunkSize, signal) {
      const r = await vad.detect(audio, signal ? { signal } : {});
      return cutAndMerge(r.regions, r.probs, { chunkSize, frameSeconds: r.frameSeconds, probsOffset: r.probsOffset });
    },
  };
}

/** Word timestamps for the segments of one audio window (WhisperX's align stage). */
export interface AlignStage {
  align(segments: Segment[], audio: AudioBuffer16k, signal?: AbortSignal): Promise<Segment[]>;
}

/** Who spoke when: fed the decoded audio block by block, asked for turns at the end. */
export interface DiarizeStage {
  push(block: AudioBuffer16k): Promise<void>;
  finish(): Promise<SpeakerTurn[]>;
  /** Seconds spent inside the stage so far. */
  readonly elapsedMs?: number;
}

export interface PipelineOptions {
  batchSize: number;
  decoding: WhisperDecodingOptions;
  /** null = no VAD: fixed chunk-length windows (--no-vad). */
  vad: SpeechChunker | null;
  /** Audio held at once, in seconds. */
  windowSeconds?: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: PipelineProgress) => void) | undefined;
  /** Alignment for the transcript's language, once it is known (null: no aligner for it → an error upstream). */
  aligner?: ((language: string) => Promise<AlignStage>) | undefined;
  diarizer?: DiarizeStage | undefined;
  /** Words and segments outside every turn take the nearest speaker. */
  fillNearest?: boolean | undefined;
  /** After diarization: cut segments where their (aligned) words change speaker. */
  splitBySpeaker?: boolean | undefined;
}

export interface StageTimings {
  decode_ms: number;
  vad_ms: number;
  features_ms: number;
  encode_ms: number;
  decoder_ms: number;
  /** Inside onnxruntime (part of encode_ms / decoder_ms). */
  ort_encoder_ms: number;
  ort_decoder_ms: number;
  decoder_runs: number;
  /** Of decoder_runs, those where the graph picked the greedy tokens (no logits fetched). */
  decoder_greedy_runs: number;
  align_ms: number;
  diarize_ms: number;
  total_ms: number;
}

export interface PipelineResult {
  transcript: Transcript;
  timings: StageTimings;
  chunks: number;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** Fixed windows of chunkSize seconds over [start, end) (the --no-vad path). */
export function fixedChunks(start: number, end: number, chunkSize: number): SpeechRegion[] {
  const out: SpeechRegion[] = [];
  for (let t = start; t < end - 1e-6; t += chunkSize) out.push({ start: t, end: Math.min(end, t + chunkSize) });
  return out;
}

class Window {
  private parts: Float32Array[] = [];
  private length = 0;
  offset = 0;
  push(b: AudioBuffer16k) {
    if (this.length === 0) this.offset = b.offset;
    this.parts.push(b.samples);
    this.length += b.samples.length;
  }
  get seconds() {
    return this.length / SR;
  }
  take(): AudioBuffer16k {
    const samples = this.parts.length === 1 ? this.parts[0]! : new Float32Array(this.length);
    if (this.parts.length > 1) {
      let p = 0;
      for (const part of this.parts) {
        samples.set(part, p);
        p += part.length;
      }
    }
    this.parts = [];
    this.length = 0;
    return { sampleRate: SR, samples, offset: this.offset };
  }
  /** Keep audio from time `from` on as the start of the next window. */
  carry(audio: AudioBuffer16k, from: number) {
    const i = Math.max(0, Math.round((from - audio.offset) * SR));
    if (i >= audio.samples.length) return;
    this.push({ sampleRate: SR, samples: audio.samples.slice(i), offset: audio.offset + i / SR });
  }
}

export async function transcribeAudio(w: LoadedWhisper, input: string | AudioBuffer16k, o: PipelineOptions): Promise<PipelineResult> {
  const t0 = performance.now();
  const timings: StageTimings = { decode_ms: 0, vad_ms: 0, features_ms: 0, encode_ms: 0, decoder_ms: 0, ort_encoder_ms: 0, ort_decoder_ms: 0, decoder_runs: 0, decoder_greedy_runs: 0, align_ms: 0, diarize_ms: 0, total_ms: 0 };
  const ort0 = { ...w.model.stats };
  const chunkSize = w.model.shape.chunkLengthS;
  const windowSeconds = Math.max(o.windowSeconds ?? 600, 4 * chunkSize);
  const batchSize = Math.max(1, o.batchSize);
  const { nMels, nFrames } = w.mel;
  const featureRow = nMels * nFrames;
  const features = new Float32Array(batchSize * featureRow);
  const decoding: WhisperDecodingOptions = { ...o.decoding };
  if (!w.tokenizer.multilingual) decoding.language = 'en';
  let language = decoding.language;
  const segments: Segment[] = [];
  let total = typeof input === 'string' ? 0 : input.samples.length / SR;
  let done = 0;
  let nChunks = 0;
  let aligner: AlignStage | undefined;
  const diarize = async (block: AudioBuffer16k) => {
    if (!o.diarizer) return;
    const t = performance.now();
    await o.diarizer.push(block);
    timings.diarize_ms += performance.now() - t;
  };

  const report = (stage: PipelineStage) => {
    if (!o.onProgress) return;
    const elapsed = (performance.now() - t0) / 1000;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    o.onProgress({ stage, fraction, audioSecondsDone: done, audioSecondsTotal: total, etaSeconds: fraction > 0.01 ? (elapsed * (1 - fraction)) / fraction : null });
  };

  const transcribeChunks = async (audio: AudioBuffer16k, chunks: SpeechRegion[]) => {
    for (let b = 0; b < chunks.length; b += batchSize) {
      throwIfAborted(o.signal);
      const batch = chunks.slice(b, b + batchSize);
      let t = performance.now();
      batch.forEach((c, i) => {
        const from = Math.max(0, Math.round((c.start - audio.offset) * SR));
        const to = Math.min(audio.samples.length, Math.round((c.end - audio.offset) * SR));
        w.mel.compute(audio.samples.subarray(from, to), features, i * featureRow);
      });
      timings.features_ms += performance.now() - t;
      report('encode');
      t = performance.now();
      const enc = await w.model.encode(features, batch.length);
      timings.encode_ms += performance.now() - t;
      throwIfAborted(o.signal);
      t = performance.now();
      if (language === null) {
        language = (await w.transcriber.detectLanguage(enc, 0)).language;
        decoding.language = language;
      }
      const results = await w.transcriber.transcribeBatch(enc, batch, decoding, o.signal);
      timings.decoder_ms += performance.now() - t;
      let found = results.flatMap((r) => r.segments);
      if (o.aligner && found.length > 0) {
        report('align');
        t = performance.now();
        aligner ??= await o.aligner(language ?? 'en');
        found = await aligner.align(found, audio, o.signal);
        timings.align_ms += performance.now() - t;
      }
      segments.push(...found);
      nChunks += batch.length;
      done = Math.max(done, batch[batch.length - 1]!.end);
      report('decoder');
    }
  };

  const processWindow = async (audio: AudioBuffer16k, final: boolean, carryTo: Window | null) => {
    const winEnd = audio.offset + audio.samples.length / SR;
    let chunks: SpeechRegion[];
    report('vad');
    if (o.vad) {
      const t = performance.now();
      chunks = await o.vad.chunks(audio, chunkSize, o.signal);
      timings.vad_ms += performance.now() - t;
    } else chunks = fixedChunks(audio.offset, winEnd, chunkSize);
    let cutoff = winEnd;
    if (!final && chunks.length > 0) {
      // Speech running into the window's end is decoded with the next window.
      const last = chunks[chunks.length - 1]!;
      if (!o.vad ? last.end - last.start < chunkSize - 1e-6 : last.end > winEnd - 0.5) {
        cutoff = last.start;
        chunks = chunks.slice(0, -1);
      }
    }
    await transcribeChunks(audio, chunks);
    if (!final && carryTo) carryTo.carry(audio, cutoff);
    if (chunks.length === 0 || cutoff === winEnd) done = Math.max(done, cutoff);
    report('decoder');
  };

  if (typeof input !== 'string') {
    await diarize(input);
    await processWindow(input, true, null);
  } else {
    const win = new Window();
    const it = decodeAudioFile(input, { signal: o.signal, blockSeconds: chunkSize, onProbe: (p) => (total = p.durationS ?? 0) }) as AsyncIterator<AudioBuffer16k>;
    for (;;) {
      const t = performance.now();
      const next = await it.next();
      timings.decode_ms += performance.now() - t;
      if (next.done) break;
      await diarize(next.value);
      win.push(next.value);
      report('decode');
      if (win.seconds >= windowSeconds) await processWindow(win.take(), false, win);
    }
    const rest = win.take();
    if (rest.samples.length > 0) await processWindow(rest, true, null);
  }

  segments.sort((a, b) => a.start - b.start);
  segments.forEach((s, i) => (s.id = i));
  done = total = Math.max(total, done);
  const transcript: Transcript = { language: language ?? 'en', duration: total, segments, model: w.name };
  if (o.diarizer) {
    report('diarize');
    throwIfAborted(o.signal);
    const t = performance.now();
    const turns = await o.diarizer.finish();
    timings.diarize_ms += performance.now() - t;
    assignWordSpeakers(turns, transcript, { fillNearest: o.fillNearest ?? false });
    transcript.speakers = [...new Set(turns.map((x) => x.speaker))].sort();
    if (o.aligner && o.splitBySpeaker) transcript.segments = splitSegmentsBySpeaker(transcript).segments;
  }
  if (o.aligner) transcript.word_segments = transcript.segments.flatMap((s) => s.words ?? []);
  timings.total_ms = performance.now() - t0;
  timings.ort_encoder_ms = w.model.stats.encoderMs - ort0.encoderMs;
  timings.ort_decoder_ms = w.model.stats.decoderMs - ort0.decoderMs;
  timings.decoder_runs = w.model.stats.decoderRuns - ort0.decoderRuns;
  timings.decoder_greedy_runs = w.model.stats.decoderGreedyRuns - ort0.decoderGreedyRuns;
  report('write');
  return {
    transcript,
    timings,
    chunks: nChunks,
  };
}
