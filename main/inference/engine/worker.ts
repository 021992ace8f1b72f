/**
 * Inference worker entry: owns the onnxruntime sessions (Whisper + Silero) so the main
 * thread's event loop stays free. Bundled as its own file (dist: inference-worker.js).
 */
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { configureFfmpeg } from '../../audio';
import { isConsoleError } from '../../core/errors';
import { ConsoleError } from '../../core/errors';
import { alignSegments, loadAligner, type OnnxCtcAligner } from '../align';
import { createDiarizer, loadDiarizerModels, type DiarizerModels } from '../diarize';
import { transcribeAudio, vadChunker, type AlignStage, type DiarizeStage } from '../pipeline';
import { SileroVad } from '../vad';
import { loadWhisper, type LoadedWhisper } from './loaded-model';
import type { AlignRequest, DiarizeRequest, FromWorker, LoadMessage, SerializedError, ToWorker, TranscribeMessage } from './protocol';
import { sessionOptions } from './providers';

// The failed CUDA probe of device auto logs an error line per session; its reason is in
// the engine status instead. Real failures still throw.
ort.env.logLevel = 'fatal';

const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');

let whisper: LoadedWhisper | null = null;
let vad: SileroVad | null = null;
let provider: LoadMessage['provider'] | null = null;
// Alignment and diarization sessions load on the first job that asks for them, on the
// execution provider the Whisper model got, and stay until unloaded.
const aligners = new Map<string, OnnxCtcAligner>();
let diarizeModels: { key: string; models: DiarizerModels } | null = null;
const jobs = new Map<number, AbortController>();
// One job at a time: the sessions are not shared between concurrent runs.
let queue: Promise<void> = Promise.resolve();

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(m, transfer);
}

export function serializeError(e: unknown): SerializedError {
  if (isConsoleError(e)) return { code: e.code, message: e.message, hint: e.hint, details: e.details, status: e.status };
  if (e instanceof Error) return { code: e.name === 'AbortError' ? 'cancelled' : 'engine_failed', message: e.message, name: e.name };
  return { code: 'engine_failed', message: String(e) };
}

async function releaseSpeakers(): Promise<string[]> {
  const released: string[] = [];
  const a = [...aligners.entries()];
  aligners.clear();
  const d = diarizeModels;
  diarizeModels = null;
  await Promise.all(a.map(([dir, x]) => x.release().then(() => released.push(dir))));
  if (d) {
    await Promise.all([d.models.segmentation.release(), d.models.embedding.release()]);
    released.push(...d.key.split('\u0000'));
  }
  return released;
}

async function release(): Promise<void> {
  const w = whisper;
  const v = vad;
  whisper = null;
  vad = null;
  await Promise.all([w?.model.release(), v?.release(), releaseSpeakers()]);
}

function speakerSessionOptions() {
  if (!provider || !whisper) throw new Error('no model loaded');
  return sessionOptions(provider, whisper.choice.provider);
}

function alignStage(req: AlignRequest, signal: AbortSignal): (language: string) => Promise<AlignStage> {
  return async (language) => {
    const dir = req.models[language];
    if (!dir) {
      const known = Object.keys(req.models);
      throw new ConsoleError('align_model_missing', `No alignment model for language "${language}"`, {
        hint: `Add a wav2vec2-style CTC folder for "${language}" under alignment.models in config.yml (configured: ${known.length ? known.join(', ') : 'none'}), or transcribe without alignment.`,
        status: 400,
        details: { language, configured: known },
      });
    }
    let aligner = aligners.get(dir);
    if (!aligner) {
      aligner = await loadAligner(dir, speakerSessionOptions());
      aligners.set(dir, aligner);
    }
    const a = aligner;
    return { align: async (segments, audio) => (await alignSegments(segments, audio, a, { language, signal })).segments };
  };
}

async function diarizeStage(req: DiarizeRequest, signal: AbortSignal): Promise<DiarizeStage> {
  const key = `${req.segmentation}\u0000${req.embedding}`;
  if (diarizeModels?.key !== key) {
    const old = diarizeModels;
    diarizeModels = null;
    if (old) await Promise.all([old.models.segmentation.release(), old.models.embedding.release()]);
    diarizeModels = { key, models: await loadDiarizerModels({ segmentation: req.segmentation, embedding: req.embedding }, speakerSessionOptions()) };
  }
  return createDiarizer(diarizeModels.models, {
    threshold: req.threshold,
    stepRatio: req.stepRatio,
    embedPerRun: req.embedPerRun,
    minDurationOn: req.minDurationOn,
    minDurationOff: req.minDurationOff,
    ...(req.numSpeakers !== undefined ? { numSpeakers: req.numSpeakers } : {}),
    ...(req.minSpeakers !== undefined ? { minSpeakers: req.minSpeakers } : {}),
    ...(req.maxSpeakers !== undefined ? { maxSpeakers: req.maxSpeakers } : {}),
    signal,
  });
}

let niceApplied = false;
let niceProblem: string | null = null;

/**
 * On Linux the nice value is per thread and new threads inherit it: set on this worker
 * thread before its first session, it covers onnxruntime's intra-op threads and the ffmpeg
 * processes it starts, while the main thread (API, live feed, UI) keeps its priority.
 * Elsewhere os.setPriority would lower the whole app, so it is left alone.
 */
function lowerPriority(nice: number): void {
  if (niceApplied || nice <= 0 || process.platform !== 'linux') return;
  niceApplied = true;
  try {
    os.setPriority(Math.max(os.getPriority(), nice));
  } catch (e) {
    // Never fatal: inference just shares the CPU evenly with the API.
    niceProblem = `could not lower the inference thread's priority to nice ${nice}: ${(e as Error).message}`;
  }
}

async function transcribe(m: TranscribeMessage): Promise<void> {
  const ac = jobs.get(m.id)!;
  try {
    if (!whisper) throw new Error('no model loaded');
    if (ac.signal.aborted) throw ac.signal.reason;
    const input = m.file ?? { sampleRate: 16000 as const, samples: m.samples ?? new Float32Array(0), offset: m.offset ?? 0 };
    const diarizer = m.diarize ? await diarizeStage(m.diarize, ac.signal) : undefined;
    const r = await transcribeAudio(whisper, input, {
      aligner: m.align ? alignStage(m.align, ac.signal) : undefined,
      diarizer,
      fillNearest: m.diarize?.fillNearest ?? false,
      splitBySpeaker: m.diarize?.splitBySpeaker ?? false,
      batchSize: m.batchSize,
      decoding: m.decoding,
      vad: m.vad && vad ? vadChunker(vad) : null,
      windowSeconds: m.windowSeconds,
      signal: ac.signal,
      onProgress: (progress) => post({ type: 'progress', id: m.id, progress }),
    });
    post({ type: 'result', id: m.id, transcript: r.transcript, timings: r.timings, chunks: r.chunks });
  } catch (e) {
    post({ type: 'failed', id: m.id, error: serializeError(ac.signal.aborted ? ac.signal.reason : e), cancelled: ac.signal.aborted });
  } finally {
    jobs.delete(m.id);
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'load':
      queue = queue.then(async () => {
        try {
          await release();
          provider = m.provider;
          if (m.ffmpeg) configureFfmpeg(m.ffmpeg);
          lowerPriority(m.nice);
          whisper = await loadWhisper({ modelDir: m.modelDir, modelName: m.modelName, computeType: m.computeType, provider: m.provider });
          if (m.vadModelPath !== null) vad = await SileroVad.load(m.vadModelPath ?? undefined);
          post({
            type: 'loaded',
            info: {
              choice: whisper.choice,
              variantFile: whisper.variant.encoder,
              computeType: whisper.variant.computeType,
              loadTimeMs: whisper.loadTimeMs,
              graphRewrite: whisper.model.graphRewrite.summary,
              encoderRewrite: whisper.model.graphRewrite.encoderSummary,
              multilingual: whisper.tokenizer.multilingual,
              chunkLengthS: whisper.model.shape.chunkLengthS,
              nice: os.getPriority(),
              niceProblem,
            },
          });
        } catch (e) {
          await release().catch(() => undefined);
          post({ type: 'load_failed', error: serializeError(e) });
        }
      });
      break;
    case 'transcribe':
      jobs.set(m.id, new AbortController());
      queue = queue.then(() => transcribe(m));
      break;
    case 'cancel': {
      const err = new Error('Transcription cancelled');
      err.name = 'AbortError';
      jobs.get(m.id)?.abort(err);
      break;
    }
    case 'unload_speakers':
      queue = queue.then(async () => {
        post({ type: 'speakers_unloaded', released: await releaseSpeakers() });
      });
      break;
    case 'unload':
      queue = queue.then(async () => {
        await release();
        post({ type: 'unloaded' });
      });
      break;
  }
});
