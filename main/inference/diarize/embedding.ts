/**
 * Speaker embeddings from a wespeaker or 3D-Speaker ONNX as sherpa-onnx exports them:
 * [N, T, 80] Kaldi fbank (CMN) → [N, dim]. Input and output names come from the session;
 * metadata_props (framework, output_dim, sample_rate, normalize_samples) when present.
 * normalize_samples "0" (wespeaker) means the model was trained on int16-range samples.
 */
import * as ort from 'onnxruntime-node';
import { KaldiFbank, fbankWithCmn } from './fbank';
import { declaredShape, openDiarizeModel, unsupportedModel } from './model-file';
import { metadataNumber } from './onnx-metadata';

export interface EmbeddingSpec {
  framework: string;
  sampleRate: number;
  /** From the output shape or output_dim; 0 until the first run when neither says. */
  outputDim: number;
  numMelBins: number;
  /** True: samples in [-1, 1] go in as they are; false: scaled by 32768 first. */
  normalizeSamples: boolean;
  inputName: string;
  outputName: string;
}

export class EmbeddingModel {
  readonly fbank: KaldiFbank;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly spec: EmbeddingSpec,
    readonly modelPath: string,
  ) {
    this.fbank = new KaldiFbank({ sampleRate: spec.sampleRate, numMelBins: spec.numMelBins, sampleScale: spec.normalizeSamples ? 1 : 32768 });
  }

  static async load(modelPath: string, options?: ort.InferenceSession.SessionOptions): Promise<EmbeddingModel> {
    const { session, metadata } = await openDiarizeModel(modelPath, 'embedding', options);
    const inputName = session.inputNames[0];
    const outputName = session.outputNames[0];
    const inShape = inputName ? declaredShape(session.inputMetadata, inputName) : undefined;
    // [N, T, bins] with a fixed number of bins; [N, 1, samples] is a waveform model.
    if (!inputName || !outputName || session.inputNames.length !== 1 || (inShape && (inShape.length !== 3 || typeof inShape[2] !== 'number' || inShape[1] === 1))) {
      const why = `inputs ${session.inputNames.join(', ') || 'none'}${inShape ? ` [${inShape.join(', ')}]` : ''} (want one: [N, T, mel bins])`;
      await session.release();
      throw unsupportedModel(modelPath, 'embedding', why);
    }
    const outShape = declaredShape(session.outputMetadata, outputName);
    const dimFromShape = typeof outShape?.[1] === 'number' ? outShape[1] : 0;
    const spec: EmbeddingSpec = {
      framework: metadata.framework ?? 'unknown',
      sampleRate: metadataNumber(metadata, 'sample_rate', 16000),
      outputDim: metadataNumber(metadata, 'output_dim', dimFromShape),
      numMelBins: typeof inShape?.[2] === 'number' ? inShape[2] : 80,
      normalizeSamples: (metadata.normalize_samples ?? '0').trim() === '1',
      inputName,
      outputName,
    };
    return new EmbeddingModel(session, spec, modelPath);
  }

  /** One embedding from fbank frames [numFrames][numMelBins] (already mean-normalised). */
  async embed(feats: Float32Array, numFrames: number): Promise<Float32Array> {
    const out = await this.session.run({ [this.spec.inputName]: new ort.Tensor('float32', feats, [1, numFrames, this.spec.numMelBins]) });
    const e = out[this.spec.outputName] as ort.Tensor;
    return Float32Array.from(e.data as Float32Array);
  }

  /** One embedding of a whole utterance (float samples in [-1, 1]). */
  async embedWaveform(samples: Float32Array): Promise<Float32Array> {
    const { data, numFrames } = fbankWithCmn(samples, this.fbank);
    return this.embed(data, numFrames);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
