import { basename } from 'node:path';
import { ConsoleError } from '../../core/errors';
import { inspectModelFolder, pickVariant, type ModelVariant } from '../catalog';
import { LogMelExtractor } from '../whisper/features';
import { WhisperOnnxModel, type EncoderOutput } from '../whisper/onnx-model';
import { WhisperTokenizer } from '../whisper/tokenizer';
import { WhisperTranscriber } from '../whisper/transcriber';
import { openWithProviders, type ProviderChoice, type ProviderRequest } from './providers';

export interface WhisperLoadRequest {
  modelDir: string;
  modelName?: string | undefined;
  computeType: 'float32' | 'float16' | 'int8';
  provider: ProviderRequest;
}

/** A model with everything the pipeline needs, owned by one thread. */
export interface LoadedWhisper {
  name: string;
  dir: string;
  variant: ModelVariant;
  model: WhisperOnnxModel;
  tokenizer: WhisperTokenizer;
  transcriber: WhisperTranscriber<EncoderOutput>;
  mel: LogMelExtractor;
  choice: ProviderChoice;
  loadTimeMs: number;
}

export async function loadWhisper(req: WhisperLoadRequest): Promise<LoadedWhisper> {
  const t0 = performance.now();
  const name = req.modelName ?? basename(req.modelDir);
  const info = inspectModelFolder(req.modelDir, name);
  if (info.problem)
    throw new ConsoleError('model_unavailable', `Model ${name} cannot be used: ${info.problem}.`, {
      hint: 'Point --model / model.name at a Whisper ONNX export in the onnx-community layout (config.json, tokenizer.json, onnx/encoder_model*.onnx, onnx/decoder_model_merged*.onnx).',
      status: 503,
      details: { model: name, dir: req.modelDir },
    });
  const variant = pickVariant(info, req.computeType);
  const tokenizer = WhisperTokenizer.fromModelFolder(req.modelDir);
  // WHISPERX_GRAPH_REWRITE=off (or the older WHISPERX_DECODER_REWRITE=off) loads the encoder
  // and decoder exactly as exported (docs/configuration.md).
  const rewrite = process.env.WHISPERX_GRAPH_REWRITE !== 'off' && process.env.WHISPERX_DECODER_REWRITE !== 'off';
  const { value: model, choice } = await openWithProviders(req.provider, (opts) => WhisperOnnxModel.load(req.modelDir, variant.encoder, variant.decoder, opts, rewrite));
  if (choice.provider === 'cpu') model.encoderBatch = 1;
  if (model.shape.nMels !== 80 && model.shape.nMels !== 128) {
    await model.release();
    throw new ConsoleError('model_onnx_invalid', `Model ${name} expects ${model.shape.nMels} mel bins; Whisper uses 80 or 128.`, { status: 500 });
  }
  return {
    name,
    dir: req.modelDir,
    variant,
    model,
    tokenizer,
    transcriber: new WhisperTranscriber(model, tokenizer),
    mel: new LogMelExtractor(model.shape.nMels, model.shape.chunkLengthS),
    choice,
    loadTimeMs: performance.now() - t0,
  };
}
