import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConsoleError } from '../core/errors';

/** ONNX file suffixes of the onnx-community / Xenova layout and the compute type each serves. */
export const variantSuffixes = {
  '': 'float32',
  _fp16: 'float16',
  _int8: 'int8',
  _quantized: 'int8',
  _uint8: 'uint8',
  _q4: 'q4',
  _q4f16: 'q4f16',
  _bnb4: 'bnb4',
} as const;
export type VariantSuffix = keyof typeof variantSuffixes;

/** Preference order of suffixes for each compute_type the profiles can ask for. */
export const suffixesFor: Record<'float32' | 'float16' | 'int8', VariantSuffix[]> = {
  float32: [''],
  float16: ['_fp16'],
  int8: ['_int8', '_quantized', '_uint8'],
};

export interface ModelVariant {
  suffix: VariantSuffix;
  computeType: string;
  encoder: string;
  decoder: string;
}

export interface ModelFolderInfo {
  name: string;
  dir: string;
  found: boolean;
  /** Why the folder is not usable, if it is not. */
  problem: string | null;
  description: string | null;
  demo: boolean;
  multilingual: boolean | null;
  numMelBins: number | null;
  vocabSize: number | null;
  chunkLengthS: number | null;
  variants: ModelVariant[];
  files: Array<{ path: string; bytes: number }>;
}

function readJson(file: string): Record<string, unknown> | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Every file under a model folder, relative to it, with its size. */
export function listFiles(dir: string, base = dir, out: Array<{ path: string; bytes: number }> = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(p, base, out);
    else if (entry.isFile()) out.push({ path: relative(base, p), bytes: statSync(p).size });
  }
  return out;
}

/** Files every Whisper model folder needs beside its onnx/ pair. */
export const requiredModelFiles = ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json'] as const;

/** Resolve a model name (folder under the models dir) or absolute path. */
export function modelDir(modelsDir: string, name: string): string {
  return isAbsolute(name) ? name : resolve(modelsDir, name);
}

/** What a model folder holds, without loading anything. */
export function inspectModelFolder(dir: string, name = dir): ModelFolderInfo {
  const info: ModelFolderInfo = {
    name,
    dir,
    found: false,
    problem: null,
    description: null,
    demo: false,
    multilingual: null,
    numMelBins: null,
    vocabSize: null,
    chunkLengthS: null,
    variants: [],
    files: [],
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    info.problem = `model folder ${dir} does not exist`;
    return info;
  }
  info.found = true;
  info.files = listFiles(dir).sort((a, b) => a.path.localeCompare(b.path));
  const config = readJson(join(dir, 'config.json'));
  const gen = readJson(join(dir, 'generation_config.json'));
  const pre = readJson(join(dir, 'preprocessor_config.json'));
  const meta = readJson(join(dir, 'console.json'));
  if (meta) {
    info.description = typeof meta.description === 'string' ? meta.description : null;
    info.demo = meta.demo === true;
  }
  const missing = requiredModelFiles.filter(
    (f) => !existsSync(join(dir, f)),
  );
  if (config) {
    info.numMelBins = typeof config.num_mel_bins === 'number' ? config.num_mel_bins : null;
    info.vocabSize = typeof config.vocab_size === 'number' ? config.vocab_size : null;
  }
  if (gen && typeof gen.is_multilingual === 'boolean') info.multilingual = gen.is_multilingual;
  if (pre && typeof pre.chunk_length === 'number') info.chunkLengthS = pre.chunk_length;
  const onnxDir = join(dir, 'onnx');
  for (const [suffix, computeType] of Object.entries(variantSuffixes) as Array<[VariantSuffix, string]>) {
    const encoder = join(onnxDir, `encoder_model${suffix}.onnx`);
    const decoder = join(onnxDir, `decoder_model_merged${suffix}.onnx`);
    if (existsSync(encoder) && existsSync(decoder)) info.variants.push({ suffix, computeType, encoder, decoder });
  }
  if (missing.length > 0) info.problem = `model folder ${dir} lacks ${missing.join(', ')}`;
  else if (info.variants.length === 0)
    info.problem = `model folder ${dir} has no onnx/encoder_model*.onnx + onnx/decoder_model_merged*.onnx pair`;
  return info;
}

/** Pick the files for a compute type; a missing variant is an error listing what the folder has. */
export function pickVariant(info: ModelFolderInfo, computeType: 'float32' | 'float16' | 'int8'): ModelVariant {
  for (const suffix of suffixesFor[computeType]) {
    const v = info.variants.find((x) => x.suffix === suffix);
    if (v) return v;
  }
  const has = info.variants.map((v) => `${v.computeType} (encoder_model${v.suffix}.onnx)`).join(', ') || 'no ONNX variants';
  throw new ConsoleError('model_variant_missing', `Model ${info.name} has no ${computeType} files; the folder has ${has}.`, {
    hint: `Set compute_type to one the folder has (profile or --compute-type), or add onnx/encoder_model${suffixesFor[computeType][0]}.onnx and decoder_model_merged${suffixesFor[computeType][0]}.onnx.`,
    status: 400,
    details: { model: info.name, requested: computeType, available: info.variants.map((v) => v.computeType) },
  });
}

/** Every model folder under the models dir (folders with a config.json). */
export function listModels(modelsDir: string): ModelFolderInfo[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(modelsDir, e.name, 'config.json')))
    // Alignment (wav2vec2) and other non-Whisper folders have a config.json too.
    .filter((e) => {
      const type = readJson(join(modelsDir, e.name, 'config.json'))?.model_type;
      return type === undefined || type === 'whisper';
    })
    .map((e) => inspectModelFolder(join(modelsDir, e.name), e.name));
}

/** What to do when the configured model cannot be used (engine status, /health hint). */
export const MODEL_HINT = 'Put a Whisper ONNX export (onnx-community layout) in the models folder, or set model.name in config.yml.';
