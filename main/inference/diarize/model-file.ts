import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { ConsoleError } from '../../core/errors';
import { readOnnxMetadata } from './onnx-metadata';

export type DiarizeModelRole = 'segmentation' | 'embedding';

export interface LoadedOnnx {
  session: ort.InferenceSession;
  metadata: Record<string, string>;
}

/** CPU, one inter-op thread: the diarizer runs alongside transcription on the same cores. */
export const defaultDiarizeSessionOptions: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  interOpNumThreads: 1,
  executionMode: 'sequential',
  logSeverityLevel: 3,
};

const roleHint: Record<DiarizeModelRole, string> = {
  segmentation: 'Use pyannote segmentation-3.0 as sherpa-onnx exports it (input x [N, 1, samples], output [N, frames, 7]), e.g. models/diarize-demo/segmentation/model.onnx',
  embedding: 'Use a wespeaker or 3D-Speaker embedding ONNX as sherpa-onnx exports it (input [N, T, 80] fbank, output [N, dim]), e.g. models/diarize-demo/embedding/model.onnx',
};

/** Reads and opens one diarization model; every failure says which model, why, and what to use. */
export async function openDiarizeModel(path: string, role: DiarizeModelRole, options: ort.InferenceSession.SessionOptions = defaultDiarizeSessionOptions): Promise<LoadedOnnx> {
  let bytes: Uint8Array;
  try {
    // Bytes rather than a path: works from inside an Electron asar, and the metadata is read from them.
    bytes = await readFile(path);
  } catch (e) {
    throw new ConsoleError('diarize_model_missing', `Speaker ${role} model not found at ${path}: ${(e as Error).message}`, {
      hint: `Check the diarization model paths in config.yml. ${roleHint[role]}`,
      status: 500,
      details: { role, path },
    });
  }
  try {
    const session = await ort.InferenceSession.create(bytes, options);
    return { session, metadata: readOnnxMetadata(bytes) };
  } catch (e) {
    throw new ConsoleError('diarize_model_invalid', `${path} is not a loadable ONNX ${role} model: ${(e as Error).message}`, {
      hint: roleHint[role],
      status: 500,
      details: { role, path },
      cause: e,
    });
  }
}

export function unsupportedModel(path: string, role: DiarizeModelRole, why: string): ConsoleError {
  return new ConsoleError('diarize_model_unsupported', `${path} does not look like a speaker ${role} model: ${why}`, {
    hint: roleHint[role],
    status: 500,
    details: { role, path },
  });
}

type DimsMeta = { name: string; shape?: ReadonlyArray<number | string> };

/** The declared shape of an input or output (symbolic dimensions as strings), when onnxruntime reports it. */
export function declaredShape(meta: readonly unknown[] | undefined, name: string): ReadonlyArray<number | string> | undefined {
  return (meta as DimsMeta[] | undefined)?.find?.((m) => m.name === name)?.shape;
}
