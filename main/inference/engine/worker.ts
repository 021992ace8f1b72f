/**
 * Inference worker entry: owns the onnxruntime sessions (Whisper + Silero) so the main
 * thread's event loop stays free. Bundled as its own file (dist: inference-worker.js).
 */
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { configureFfmpeg } from '../../audio';
import { isConsoleError } from '../../core/errors';
import { transcribeAudio, vadChunker } from '../pipeline';
import { SileroVad } from '../vad';
import { loadWhisper, type LoadedWhisper } from './loaded-model';
import type { FromWorker, SerializedError, ToWorker, TranscribeMessage } from './protocol';

// The failed CUDA probe of device auto logs an error line per session; its reason is in
// the engine status instead. Real failures still throw.
ort.env.logLevel = 'fatal';

const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');

let whisper: LoadedWhisper | null = null;
let vad: SileroVad | null = null;
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

async function release(): Promise<void> {
  const w = whisper;
  const v = vad;
  whisper = null;
  vad = null;
  await Promise.all([w?.model.release(), v?.release()]);
}

async function transcribe(m: TranscribeMessage): Promise<void> {
  const ac = jobs.get(m.id)!;
  try {
    if (!whisper) throw new Error('no model loaded');
    if (ac.signal.aborted) throw ac.signal.reason;
    const input = m.file ?? { sampleRate: 16000 as const, samples: m.samples ?? new Float32Array(0), offset: m.offset ?? 0 };
    const r = await transcribeAudio(whisper, input, {
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
          if (m.ffmpeg) configureFfmpeg(m.ffmpeg);
          whisper = await loadWhisper({ modelDir: m.modelDir, modelName: m.modelName, computeType: m.computeType, provider: m.provider });
          if (m.vadModelPath !== null) vad = await SileroVad.load(m.vadModelPath ?? undefined);
          post({
            type: 'loaded',
            info: {
              choice: whisper.choice,
              variantFile: whisper.variant.encoder,
              computeType: whisper.variant.computeType,
              loadTimeMs: whisper.loadTimeMs,
              multilingual: whisper.tokenizer.multilingual,
              chunkLengthS: whisper.model.shape.chunkLengthS,
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
    case 'unload':
      queue = queue.then(async () => {
        await release();
        post({ type: 'unloaded' });
      });
      break;
  }
});
