/**
 * pyannote segmentation-3.0 as sherpa-onnx exports it: 10 s of 16 kHz audio (input `x`
 * [N, 1, samples]) → per-frame log-probabilities over the powerset of up to 3 local
 * speakers with at most 2 at a time ({}, {0}, {1}, {2}, {0,1}, {0,2}, {1,2}); a frame every
 * 270 samples, each seeing 991 (the receptive field). Values come from metadata_props when
 * the export wrote them, otherwise these defaults.
 */
import * as ort from 'onnxruntime-node';
import { metadataNumber } from './onnx-metadata';
import { declaredShape, openDiarizeModel, unsupportedModel } from './model-file';

export interface SegmentationSpec {
  sampleRate: number;
  /** Samples per window (160000 = 10 s). */
  windowSamples: number;
  /** Samples between consecutive output frames, and samples each frame sees. */
  receptiveFieldShift: number;
  receptiveFieldSize: number;
  /** Local speakers per window, and the most active at once (powerset). */
  numSpeakers: number;
  powersetMaxClasses: number;
}

export const segmentationDefaults: SegmentationSpec = {
  sampleRate: 16000,
  windowSamples: 160000,
  receptiveFieldShift: 270,
  receptiveFieldSize: 991,
  numSpeakers: 3,
  powersetMaxClasses: 2,
};

export function segmentationSpecFrom(meta: Record<string, string>): SegmentationSpec {
  const d = segmentationDefaults;
  return {
    sampleRate: metadataNumber(meta, 'sample_rate', d.sampleRate),
    windowSamples: metadataNumber(meta, 'window_size', d.windowSamples),
    receptiveFieldShift: metadataNumber(meta, 'receptive_field_shift', d.receptiveFieldShift),
    receptiveFieldSize: metadataNumber(meta, 'receptive_field_size', d.receptiveFieldSize),
    numSpeakers: metadataNumber(meta, 'num_speakers', d.numSpeakers),
    powersetMaxClasses: metadataNumber(meta, 'powerset_max_classes', d.powersetMaxClasses),
  };
}

/** The speakers of each powerset class, in pyannote's order: by set size, then lexicographic. */
export function powersetClasses(numSpeakers: number, maxSetSize: number): number[][] {
  const classes: number[][] = [];
  const combos = (start: number, size: number, prefix: number[]) => {
    if (prefix.length === size) {
      classes.push(prefix);
      return;
    }
    for (let s = start; s < numSpeakers; s++) combos(s + 1, size, [...prefix, s]);
  };
  for (let size = 0; size <= maxSetSize; size++) combos(0, size, []);
  return classes;
}

/**
 * Hard multilabel activity from powerset scores, as pyannote's to_multilabel(soft=False):
 * each frame takes its most likely class, whose speakers are active. Returns [frames][speakers] 0/1.
 */
export function powersetToMultilabel(scores: ArrayLike<number>, numFrames: number, classes: readonly (readonly number[])[], numSpeakers: number): Uint8Array {
  const k = classes.length;
  const out = new Uint8Array(numFrames * numSpeakers);
  for (let f = 0; f < numFrames; f++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[f * k + c]! > scores[f * k + best]!) best = c;
    for (const s of classes[best]!) out[f * numSpeakers + s] = 1;
  }
  return out;
}

/** Centre of output frame i, in seconds from the window start. */
export function frameCentre(spec: SegmentationSpec, i: number): number {
  return (i * spec.receptiveFieldShift + spec.receptiveFieldSize / 2) / spec.sampleRate;
}

export class SegmentationModel {
  readonly classes: number[][];

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly spec: SegmentationSpec,
    readonly modelPath: string,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {
    this.classes = powersetClasses(spec.numSpeakers, spec.powersetMaxClasses);
  }

  static async load(modelPath: string, options?: ort.InferenceSession.SessionOptions): Promise<SegmentationModel> {
    const { session, metadata } = await openDiarizeModel(modelPath, 'segmentation', options);
    const spec = segmentationSpecFrom(metadata);
    const inputName = session.inputNames.includes('x') ? 'x' : session.inputNames[0];
    const outputName = session.outputNames[0];
    const shape = inputName ? declaredShape(session.inputMetadata, inputName) : undefined;
    if (!inputName || !outputName || session.inputNames.length !== 1 || (shape && (shape.length !== 3 || shape[1] !== 1))) {
      const why = `inputs ${session.inputNames.join(', ') || 'none'}${shape ? ` [${shape.join(', ')}]` : ''} (want one: x [N, 1, samples])`;
      await session.release();
      throw unsupportedModel(modelPath, 'segmentation', why);
    }
    return new SegmentationModel(session, spec, modelPath, inputName, outputName);
  }

  /**
   * Scores of each window (each exactly windowSamples long): per window a [frames][classes]
   * row-major array of log-probabilities.
   */
  async run(windows: readonly Float32Array[]): Promise<{ scores: Float32Array[]; numFrames: number }> {
    const n = windows.length;
    const len = this.spec.windowSamples;
    const input = new Float32Array(n * len);
    windows.forEach((w, i) => input.set(w.subarray(0, len), i * len));
    const out = await this.session.run({ [this.inputName]: new ort.Tensor('float32', input, [n, 1, len]) });
    const y = out[this.outputName] as ort.Tensor;
    const [batch, numFrames, numClasses] = y.dims as [number, number, number];
    if (y.dims.length !== 3 || batch !== n || numClasses !== this.classes.length) {
      throw unsupportedModel(this.modelPath, 'segmentation', `output ${this.outputName} has shape [${y.dims.join(', ')}], expected [${n}, frames, ${this.classes.length}] for ${this.spec.numSpeakers} speakers, at most ${this.spec.powersetMaxClasses} at once`);
    }
    const data = y.data as Float32Array;
    const per = numFrames * numClasses;
    return { scores: Array.from({ length: n }, (_, i) => data.slice(i * per, (i + 1) * per)), numFrames };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
