/**
 * Speaker diarization, pyannote's SpeakerDiarization in miniature and streaming: audio blocks
 * go in as they are decoded; each 10 s window (1 s hop) is segmented into ≤ 3 local
 * speakers and each local speaker embedded at once (fbank frames under its speech, without
 * overlap when there are enough, mean-normalised), so only the window's audio and a small
 * record per window are kept. finish() clusters the embeddings, maps every window's local
 * speakers to global ones, averages their activity over the windows and returns the turns.
 */
import type * as ort from 'onnxruntime-node';
import { ConsoleError } from '../../core/errors';
import type { AudioBuffer16k } from '../types';
import { clusterCentroids, clusterEmbeddings, cosineSimilarity } from './clustering';
import { EmbeddingModel } from './embedding';
import { subtractMean } from './fbank';
import { aggregateActivity, mapLocalSpeakers, scoresToTurns, type FrameGrid, type WindowActivity } from './reconstruct';
import { SegmentationModel, powersetToMultilabel } from './segmentation';
import { defaultDiarizeOptions, type DiarizeOptions, type SpeakerTurn } from './types';

export interface DiarizerModels {
  segmentation: SegmentationModel;
  embedding: EmbeddingModel;
}

export interface Diarizer {
  /** The next block of the file (contiguous with the previous one). */
  push(block: AudioBuffer16k): Promise<void>;
  /** Processes the last (zero-padded) window and returns the turns, sorted by start. */
  finish(): Promise<SpeakerTurn[]>;
}

export interface DiarizeModelPaths {
  segmentation: string;
  embedding: string;
}

export async function loadDiarizerModels(paths: DiarizeModelPaths, sessionOptions?: ort.InferenceSession.SessionOptions): Promise<DiarizerModels> {
  const segmentation = await SegmentationModel.load(paths.segmentation, sessionOptions);
  try {
    return { segmentation, embedding: await EmbeddingModel.load(paths.embedding, sessionOptions) };
  } catch (e) {
    await segmentation.release();
    throw e;
  }
}

/** Samples from an absolute index onwards; older ones are dropped as windows move on. */
class SampleQueue {
  private data = new Float32Array(1 << 18);
  /** Absolute index of data[0], and of one past the last sample. */
  first = 0;
  end = 0;

  append(samples: Float32Array): void {
    const len = this.end - this.first;
    if (len + samples.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, len + samples.length));
      grown.set(this.data.subarray(0, len));
      this.data = grown;
    }
    this.data.set(samples, len);
    this.end += samples.length;
  }

  /** A copy of [from, from + length), zero-padded past the end. */
  copy(from: number, length: number): Float32Array {
    const out = new Float32Array(length);
    const to = Math.min(from + length, this.end);
    if (to > from) out.set(this.data.subarray(from - this.first, to - this.first));
    return out;
  }

  dropBefore(index: number): void {
    const n = Math.min(index, this.end) - this.first;
    if (n <= 0) return;
    this.data.copyWithin(0, n, this.end - this.first);
    this.first += n;
  }
}

/** Raw fbank frames on the file's frame grid, computed once and shared by the overlapping windows. */
class FbankFrames {
  private rows: Float32Array[] = [];
  /** Frame index of rows[0]. */
  private first = 0;

  constructor(private readonly model: EmbeddingModel) {}

  /** Raw frames whose samples lie in [from, to) of the queue. */
  window(queue: SampleQueue, from: number, to: number): { data: Float32Array; numFrames: number } {
    const fb = this.model.fbank;
    const f0 = from / fb.frameShift;
    const numFrames = fb.numFrames(Math.max(0, Math.min(to, queue.end) - from));
    if (f0 > this.first) {
      this.rows = this.rows.slice(Math.min(f0 - this.first, this.rows.length));
      this.first = f0;
    }
    const bins = fb.numMelBins;
    while (this.first + this.rows.length < f0 + numFrames) {
      const f = this.first + this.rows.length;
      const row = new Float32Array(bins);
      const frame = queue.copy(f * fb.frameShift, fb.frameLength);
      fb.computeFrame(frame, 0, row);
      this.rows.push(row);
    }
    const data = new Float32Array(numFrames * bins);
    for (let t = 0; t < numFrames; t++) data.set(this.rows[f0 - this.first + t]!, t * bins);
    return { data, numFrames };
  }
}

interface LocalSpeaker {
  /** Index into the embeddings list, or −1 when it spoke too little to embed. */
  embedding: number;
  /** Frames where it is the only speaker. */
  cleanFrames: number;
}

interface WindowRecord {
  startSample: number;
  /** [numFrames][numLocal]: the window's local speakers, or their runs (perRun). */
  activity: Uint8Array;
  numFrames: number;
  numLocal: number;
  speakers: LocalSpeaker[];
  /** perRun: the local speaker and first frame of each column. */
  runs?: RunInfo[];
}

interface RunInfo {
  speaker: number;
  from: number;
}

/**
 * Each local speaker's activity split into runs (stretches of speech with no gap longer
 * than maxGap frames), each run a column of its own: one embedding per run, so a
 * segmentation model that puts two voices into one local speaker of a window (the demo
 * model does, in three-speaker windows) does not merge them for the whole window.
 */
export function splitIntoRuns(activity: Uint8Array, numFrames: number, numLocal: number, maxGap: number): { activity: Uint8Array; numLocal: number; runs: RunInfo[] } {
  const runs: Array<{ s: number; from: number; to: number }> = [];
  for (let s = 0; s < numLocal; s++) {
    let from = -1;
    let last = -1;
    for (let i = 0; i < numFrames; i++) {
      if (!activity[i * numLocal + s]) continue;
      if (from >= 0 && i - last - 1 > maxGap) {
        runs.push({ s, from, to: last + 1 });
        from = -1;
      }
      if (from < 0) from = i;
      last = i;
    }
    if (from >= 0) runs.push({ s, from, to: last + 1 });
  }
  const out = new Uint8Array(numFrames * runs.length);
  runs.forEach((r, k) => {
    for (let i = r.from; i < r.to; i++) out[i * runs.length + k] = activity[i * numLocal + r.s]!;
  });
  return { activity: out, numLocal: runs.length, runs: runs.map((r) => ({ speaker: r.s, from: r.from })) };
}

/**
 * Runs too short to embed take the cluster of the nearest run of the same local speaker
 * in that window (the local speaker is one voice over short stretches); else none.
 */
export function inheritShortRuns(mapping: Int32Array, runs: readonly RunInfo[]): Int32Array {
  const out = Int32Array.from(mapping);
  runs.forEach((r, k) => {
    if (mapping[k]! >= 0) return;
    let best = -1;
    runs.forEach((o, j) => {
      if (j === k || o.speaker !== r.speaker || mapping[j]! < 0) return;
      if (best < 0 || Math.abs(o.from - r.from) < Math.abs(runs[best]!.from - r.from)) best = j;
    });
    if (best >= 0) out[k] = mapping[best]!;
  });
  return out;
}

function checkOptions(o: DiarizeOptions): void {
  const bad = (key: string, value: unknown, want: string) =>
    new ConsoleError('diarize_bad_option', `Diarization option ${key} = ${String(value)} is not valid: ${want}`, {
      hint: 'Fix the diarization settings (config.yml or the request)',
      status: 400,
      details: { key, value },
    });
  for (const key of ['numSpeakers', 'minSpeakers', 'maxSpeakers'] as const) {
    const v = o[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw bad(key, v, 'a whole number of speakers, at least 1');
  }
  if (o.minSpeakers !== undefined && o.maxSpeakers !== undefined && o.minSpeakers > o.maxSpeakers) throw bad('minSpeakers', o.minSpeakers, `at most maxSpeakers (${o.maxSpeakers})`);
  if (!(o.stepRatio > 0 && o.stepRatio <= 1)) throw bad('stepRatio', o.stepRatio, 'a fraction of the window in (0, 1]');
  if (!(o.offset <= o.onset)) throw bad('offset', o.offset, `at most onset (${o.onset})`);
  if (!(o.threshold >= 0 && o.threshold <= 2)) throw bad('threshold', o.threshold, 'a cosine distance in [0, 2]');
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) throw bad('batchSize', o.batchSize, 'a whole number, at least 1');
}

function nearestCluster(similarity: ReadonlyArray<readonly number[] | null>): Int32Array {
  return Int32Array.from(similarity, (row) => {
    if (!row || row.length === 0) return -1;
    let best = 0;
    for (let k = 1; k < row.length; k++) if (row[k]! > row[best]!) best = k;
    return best;
  });
}

export function createDiarizer(models: DiarizerModels, options: Partial<DiarizeOptions> = {}): Diarizer {
  const opts: DiarizeOptions = { ...defaultDiarizeOptions, ...options };
  checkOptions(opts);
  const seg = models.segmentation;
  const spec = seg.spec;
  const fbank = models.embedding.fbank;
  const sampleRate = spec.sampleRate;
  if (models.embedding.spec.sampleRate !== sampleRate || sampleRate !== 16000) {
    throw new ConsoleError('diarize_model_mismatch', `The segmentation model runs at ${sampleRate} Hz and the embedding model at ${models.embedding.spec.sampleRate} Hz; the diarizer needs both at 16000 Hz`, {
      hint: 'Use 16 kHz segmentation and embedding models (sherpa-onnx exports are)',
      status: 500,
    });
  }
  const windowSamples = spec.windowSamples;
  // A hop on the fbank grid, so the overlapping windows share their fbank frames.
  const step = Math.max(fbank.frameShift, Math.round((windowSamples * opts.stepRatio) / fbank.frameShift) * fbank.frameShift);
  const grid: FrameGrid = { step: spec.receptiveFieldShift / sampleRate, duration: spec.receptiveFieldSize / sampleRate };
  const numLocal = spec.numSpeakers;
  const minEmbeddingFrames = Math.max(1, Math.ceil((opts.minEmbeddingSeconds * sampleRate) / fbank.frameShift));
  // Pauses within one run: shorter than the gaps binarization fills anyway.
  const maxRunGap = Math.round((opts.minDurationOff * sampleRate) / spec.receptiveFieldShift);

  const queue = new SampleQueue();
  const fbankFrames = new FbankFrames(models.embedding);
  const windows: WindowRecord[] = [];
  const embeddings: Float32Array[] = [];
  let pending: number[] = [];
  let nextWindow = 0;
  let origin: number | null = null;
  let finished = false;
  let busy = false;
  const { signal } = opts;

  const throwIfAborted = () => {
    if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
  };

  async function embedLocalSpeakers(startSample: number, activity: Uint8Array, numFrames: number, numLocal: number): Promise<LocalSpeaker[]> {
    const feats = fbankFrames.window(queue, startSample, startSample + windowSamples);
    const bins = fbank.numMelBins;
    // Segmentation frame under each fbank frame's centre.
    const segFrame = Int32Array.from({ length: feats.numFrames }, (_, g) => {
      const centre = g * fbank.frameShift + fbank.frameLength / 2;
      return Math.min(numFrames - 1, Math.max(0, Math.round((centre - spec.receptiveFieldSize / 2) / spec.receptiveFieldShift)));
    });
    const speaking = new Uint8Array(numFrames);
    for (let i = 0; i < numFrames; i++) for (let s = 0; s < numLocal; s++) speaking[i]! += activity[i * numLocal + s]!;
    const speakers: LocalSpeaker[] = [];
    for (let s = 0; s < numLocal; s++) {
      let cleanFrames = 0;
      for (let i = 0; i < numFrames; i++) if (activity[i * numLocal + s] && speaking[i] === 1) cleanFrames++;
      // Embed from single-speaker frames; fall back to all its frames when those are too few.
      const pick = (clean: boolean) => {
        const rows: number[] = [];
        for (let g = 0; g < feats.numFrames; g++) {
          const i = segFrame[g]!;
          if (activity[i * numLocal + s] && (!clean || speaking[i] === 1)) rows.push(g);
        }
        return rows;
      };
      let rows = pick(true);
      if (rows.length < minEmbeddingFrames) rows = pick(false);
      if (rows.length < minEmbeddingFrames) {
        speakers.push({ embedding: -1, cleanFrames });
        continue;
      }
      // CMN over the speaker's own frames: the model saw single-speaker utterances, mean removed.
      const x = new Float32Array(rows.length * bins);
      rows.forEach((g, t) => x.set(feats.data.subarray(g * bins, (g + 1) * bins), t * bins));
      subtractMean(x, rows.length, bins);
      embeddings.push(await models.embedding.embed(x, rows.length));
      speakers.push({ embedding: embeddings.length - 1, cleanFrames });
    }
    return speakers;
  }

  async function runPending(): Promise<void> {
    if (!pending.length) return;
    const starts = pending;
    pending = [];
    throwIfAborted();
    const { scores, numFrames } = await seg.run(starts.map((s) => queue.copy(s, windowSamples)));
    for (let w = 0; w < starts.length; w++) {
      throwIfAborted();
      const local = powersetToMultilabel(scores[w]!, numFrames, seg.classes, numLocal);
      const split = opts.embedPerRun ? splitIntoRuns(local, numFrames, numLocal, maxRunGap) : null;
      const activity = split?.activity ?? local;
      const columns = split?.numLocal ?? numLocal;
      const speakers = await embedLocalSpeakers(starts[w]!, activity, numFrames, columns);
      windows.push({ startSample: starts[w]!, activity, numFrames, numLocal: columns, speakers, ...(split ? { runs: split.runs } : {}) });
    }
    const last = starts[starts.length - 1]!;
    queue.dropBefore(last + step);
    opts.onProgress?.({ phase: 'segmentation', audioSeconds: Math.min(queue.end, last + windowSamples) / sampleRate });
  }

  async function queueWindow(start: number): Promise<void> {
    pending.push(start);
    if (pending.length >= opts.batchSize) await runPending();
  }

  function cluster(): { mapping: Int32Array[]; numSpeakers: number } {
    const trainIdx: number[] = [];
    const minClean = opts.clusterMinActiveRatio * (windows[0]?.numFrames ?? 0);
    for (const w of windows) for (const s of w.speakers) if (s.embedding >= 0 && s.cleanFrames >= minClean) trainIdx.push(s.embedding);
    if (trainIdx.length === 0) trainIdx.push(...embeddings.keys());
    // Long files: cluster an even spread, assign the rest (pyannote's max_num_embeddings).
    const every = Math.max(1, trainIdx.length / opts.maxClusteringEmbeddings);
    const sample = trainIdx.length > opts.maxClusteringEmbeddings ? Array.from({ length: opts.maxClusteringEmbeddings }, (_, i) => trainIdx[Math.floor(i * every)]!) : trainIdx;
    const train = sample.map((i) => embeddings[i]!);
    const labels = clusterEmbeddings(train, {
      linkage: opts.linkage,
      threshold: opts.threshold,
      minClusterSize: opts.minClusterSize,
      ...(opts.numSpeakers !== undefined ? { numClusters: opts.numSpeakers } : {}),
      ...(opts.minSpeakers !== undefined ? { minClusters: opts.minSpeakers } : {}),
      ...(opts.maxSpeakers !== undefined ? { maxClusters: opts.maxSpeakers } : {}),
    });
    const k = train.length ? Math.max(...labels) + 1 : 0;
    const centroids = clusterCentroids(train, labels, k);
    const mapping = windows.map((w) => {
      const similarity = w.speakers.map((s) => (s.embedding < 0 ? null : centroids.map((c) => cosineSimilarity(embeddings[s.embedding]!, c))));
      // Runs: each to its nearest cluster (runs of one local speaker may share one; the
      // one-cluster-per-local-speaker constraint is for whole local speakers).
      return w.runs ? inheritShortRuns(nearestCluster(similarity), w.runs) : mapLocalSpeakers(similarity);
    });
    return { mapping, numSpeakers: k };
  }

  return {
    async push(block: AudioBuffer16k): Promise<void> {
      if (finished) throw new ConsoleError('diarize_finished', 'Audio was pushed to a diarizer after finish()', { hint: 'Create a new diarizer for each file', status: 500 });
      if (busy) throw new ConsoleError('diarize_concurrent_push', 'push() was called before the previous push() finished', { hint: 'Await each push before the next', status: 500 });
      throwIfAborted();
      if (block.sampleRate !== sampleRate) throw new RangeError(`The diarizer needs ${sampleRate} Hz audio, got ${block.sampleRate} Hz`);
      origin ??= block.offset;
      const expected = origin + queue.end / sampleRate;
      if (Math.abs(block.offset - expected) > 1e-3) {
        throw new ConsoleError('diarize_audio_gap', `Audio block at ${block.offset.toFixed(3)} s does not follow the previous one (expected ${expected.toFixed(3)} s)`, {
          hint: 'Push the blocks of one file in order, without gaps',
          status: 500,
          details: { offset: block.offset, expected },
        });
      }
      busy = true;
      try {
        queue.append(block.samples);
        while (nextWindow + windowSamples <= queue.end) {
          await queueWindow(nextWindow);
          nextWindow += step;
        }
      } finally {
        busy = false;
      }
    },

    async finish(): Promise<SpeakerTurn[]> {
      if (finished) throw new ConsoleError('diarize_finished', 'finish() was called twice', { hint: 'Create a new diarizer for each file', status: 500 });
      finished = true;
      const total = queue.end;
      // pyannote's chunks: every full window, then one zero-padded window for the remainder.
      if (total > 0 && (nextWindow === 0 || total > nextWindow - step + windowSamples)) pending.push(nextWindow);
      await runPending();
      throwIfAborted();
      opts.onProgress?.({ phase: 'clustering', audioSeconds: total / sampleRate });
      if (!embeddings.length) {
        opts.onProgress?.({ phase: 'done', audioSeconds: total / sampleRate });
        return [];
      }
      const { mapping, numSpeakers } = cluster();
      const activities: WindowActivity[] = windows.map((w, i) => ({
        start: w.startSample / sampleRate,
        activity: w.activity,
        numFrames: w.numFrames,
        numLocal: w.numLocal,
        mapping: mapping[i]!,
      }));
      const { scores, numFrames } = aggregateActivity(activities, numSpeakers, grid);
      const turns = scoresToTurns(scores, numFrames, numSpeakers, grid, { ...opts, origin: origin ?? 0, duration: total / sampleRate });
      opts.onProgress?.({ phase: 'done', audioSeconds: total / sampleRate });
      return turns;
    },
  };
}
