// Checks an exported model folder against the torch golden references:
//   1. onnxruntime-node: encoder output and a hand-written greedy loop over the merged decoder
//      (use_cache_branch, zero-length past on step 1, step-1 encoder K/V kept) at batch sizes
//      1, 2 and 8, for every variant present (fp32 must match torch exactly; fp16/int8 report).
//   2. @huggingface/transformers: pipeline('automatic-speech-recognition', <folder>) with remote
//      models disabled, and model.generate() tokens, against the torch tokens.
// usage: node tools/check_export.mjs [models/test-tiny-en] [test/golden/test-tiny-en]
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readWav } from './demo_model/wav.mjs';
// The repo's onnxruntime-node and transformers.js's own copy load different native libraries
// that cannot share one process, so each check runs in its own child process.
let ort;

const modelDir = path.resolve(process.argv[2] ?? 'models/test-tiny-en');
const goldenDir = path.resolve(process.argv[3] ?? 'test/golden/test-tiny-en');
const golden = JSON.parse(fs.readFileSync(path.join(goldenDir, 'golden.json'), 'utf8'));
const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
let failures = 0;
const fail = (msg) => { failures++; console.log('FAIL', msg); };

function fullFeatures(entry) {
  const [nMels, stored] = entry.features.shape;
  const frames = golden.n_frames;
  const raw = new Float32Array(fs.readFileSync(path.join(goldenDir, entry.features.file)).buffer.slice(0));
  const out = new Float32Array(nMels * frames).fill(entry.features.pad_value);
  for (let m = 0; m < nMels; m++) out.set(raw.subarray(m * stored, (m + 1) * stored), m * frames);
  return out;
}

// Node 20 has no Float16Array: ORT takes float16 tensors as Uint16Array bit patterns.
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
function f16bits(x) {
  f32[0] = x;
  const u = u32[0], sign = (u >>> 16) & 0x8000, e = ((u >>> 23) & 0xff) - 127 + 15, m = u & 0x7fffff;
  if (e >= 31) return sign | 0x7c00 | (((u >>> 23) & 0xff) === 0xff && m ? 0x200 : 0);
  if (e <= 0) return e < -10 ? sign : sign | ((m | 0x800000) >> (1 - e + 13)) + (((m | 0x800000) >> (1 - e + 12)) & 1);
  const r = sign | (e << 10) | (m >> 13);
  return r + ((m >> 12) & 1 & ((m & 0x2fff) !== 0 || (r & 1) ? 1 : 0));
}
export function f16value(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
const toF16 = (arr) => Uint16Array.from(arr, f16bits);
const valueAt = (t, i) => (t.type === 'float16' ? f16value(t.data[i]) : Number(t.data[i]));
const dtypeOf = (session, name) => session.inputMetadata.find((m) => m.name === name)?.type ?? 'float32';

async function greedyOrt(enc, dec, featureRows, prompt, maxNew) {
  const B = featureRows.length;
  const nMels = golden.n_mels;
  const frames = golden.n_frames;
  const feats = new Float32Array(B * nMels * frames);
  featureRows.forEach((f, i) => feats.set(f, i * nMels * frames));
  const fType = dtypeOf(enc, 'input_features');
  const input = new ort.Tensor(fType, fType === 'float16' ? toF16(feats) : feats, [B, nMels, frames]);
  const { last_hidden_state: hidden } = await enc.run({ input_features: input });
  const L = config.decoder_layers, H = config.decoder_attention_heads, Dh = config.d_model / H;
  const pType = dtypeOf(dec, 'past_key_values.0.decoder.key');
  const empty = () => new ort.Tensor(pType, pType === 'float16' ? new Uint16Array(0) : new Float32Array(0), [B, H, 0, Dh]);
  const feeds = { encoder_hidden_states: hidden };
  for (let l = 0; l < L; l++) for (const k of ['decoder', 'encoder']) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${k}.${kv}`] = empty();
  const out = Array.from({ length: B }, () => []);
  const done = Array(B).fill(false);
  let cur = new ort.Tensor('int64', BigInt64Array.from(Array.from({ length: B }, () => prompt.map(BigInt)).flat()), [B, prompt.length]);
  const suppress = new Set(golden.suppress_tokens);
  const begin = new Set(golden.begin_suppress_tokens);
  for (let step = 0; step < maxNew; step++) {
    const res = await dec.run({ ...feeds, input_ids: cur, use_cache_branch: new ort.Tensor('bool', [step > 0], [1]) });
    const logits = res.logits;
    const [, T, V] = logits.dims;
    const next = [];
    for (let b = 0; b < B; b++) {
      let best = -Infinity, arg = -1;
      const base = (b * T + T - 1) * V;
      for (let v = 0; v < V; v++) {
        if (suppress.has(v) || (step === 0 && begin.has(v))) continue;
        const x = valueAt(logits, base + v);
        if (x > best) { best = x; arg = v; }
      }
      next.push(arg);
      if (!done[b]) { out[b].push(arg); done[b] = arg === golden.eot; }
    }
    if (done.every(Boolean)) break;
    for (let l = 0; l < L; l++) {
      for (const kv of ['key', 'value']) {
        feeds[`past_key_values.${l}.decoder.${kv}`] = res[`present.${l}.decoder.${kv}`];
        if (step === 0) feeds[`past_key_values.${l}.encoder.${kv}`] = res[`present.${l}.encoder.${kv}`];
      }
    }
    cur = new ort.Tensor('int64', BigInt64Array.from(next.map(BigInt)), [B, 1]);
  }
  return { tokens: out, hidden };
}

async function checkOrt() {
  ort = (await import('onnxruntime-node')).default;
  const features = golden.inputs.map(fullFeatures);
  const variants = ['', '_fp16', '_int8', '_quantized'].filter((s) => fs.existsSync(path.join(modelDir, 'onnx', `encoder_model${s}.onnx`)));
  for (const suffix of variants) {
    const opts = { intraOpNumThreads: 2, interOpNumThreads: 1 };
    const enc = await ort.InferenceSession.create(path.join(modelDir, 'onnx', `encoder_model${suffix}.onnx`), opts);
    const dec = await ort.InferenceSession.create(path.join(modelDir, 'onnx', `decoder_model_merged${suffix}.onnx`), opts);
    const exact = suffix === '';
    for (const [pname, key] of [['notimestamps', 'tokens'], ['timestamps', 'tokens_timestamps']]) {
      for (const [bs, groups] of Object.entries(golden.batches)) {
        let same = 0, encErr = 0;
        for (const g of groups) {
          const { tokens, hidden } = await greedyOrt(enc, dec, g.map((i) => features[i]), golden.prompts[pname], golden.max_new_tokens);
          g.forEach((i, j) => {
            const want = golden.inputs[i][key];
            if (JSON.stringify(tokens[j]) === JSON.stringify(want)) same++;
            else if (exact) fail(`ort fp32 ${pname} batch ${bs} ${golden.inputs[i].name}: ${tokens[j].slice(0, 8)} vs ${want.slice(0, 8)}`);
            const [S, D] = golden.inputs[i].encoder.shape;
            for (const [r, row] of Object.entries(golden.inputs[i].encoder.rows))
              row.forEach((v, d) => { encErr = Math.max(encErr, Math.abs(valueAt(hidden, (j * S + Number(r)) * D + d) - v)); });
          });
        }
        console.log(`ort ${suffix || 'fp32'} ${pname} batch ${bs}: ${same}/${golden.inputs.length} token sequences equal torch; encoder max abs err ${encErr.toExponential(2)}`);
        if (exact && encErr > 1e-3) fail(`encoder error ${encErr}`);
      }
    }
  }
}

async function checkTransformersJsVariants(pipeline) {
  // Every variant must at least load and run in transformers.js (dtype picks the file suffix).
  for (const [dtype, suffix] of [['fp16', '_fp16'], ['int8', '_int8'], ['q8', '_quantized']]) {
    if (!fs.existsSync(path.join(modelDir, 'onnx', `decoder_model_merged${suffix}.onnx`))) continue;
    const asr = await pipeline('automatic-speech-recognition', path.basename(modelDir), { dtype });
    const entry = golden.inputs[0];
    const { text } = await asr(readWav(path.join(goldenDir, entry.wav)), { max_new_tokens: golden.max_new_tokens });
    console.log(`transformers.js dtype ${dtype}: runs; text ${text.trim() === entry.text.trim() ? 'equals' : 'differs from'} torch fp32 on ${entry.name}`);
  }
}

async function checkTransformersJs() {
  const { pipeline, env, AutoProcessor, AutoModelForSpeechSeq2Seq } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(modelDir) + path.sep;
  const name = path.basename(modelDir);
  const asr = await pipeline('automatic-speech-recognition', name, { dtype: 'fp32' });
  const processor = await AutoProcessor.from_pretrained(name);
  const model = await AutoModelForSpeechSeq2Seq.from_pretrained(name, { dtype: 'fp32' });
  let sameText = 0, sameTokens = 0;
  for (const entry of golden.inputs) {
    const audio = readWav(path.join(goldenDir, entry.wav));
    const { text } = await asr(audio, { max_new_tokens: golden.max_new_tokens });
    if (text.trim() === entry.text.trim()) sameText++;
    else fail(`transformers.js pipeline text ${entry.name}: ${JSON.stringify(text)} vs ${JSON.stringify(entry.text)}`);
    const { input_features } = await processor(audio);
    const seq = await model.generate({ inputs: input_features, max_new_tokens: golden.max_new_tokens });
    const gen = Array.from(seq.tolist()[0].map(Number)).slice(golden.prompts.notimestamps.length);
    const want = entry.tokens;
    if (JSON.stringify(gen.slice(0, want.length)) === JSON.stringify(want)) sameTokens++;
    else fail(`transformers.js generate ${entry.name}: ${gen.slice(0, 8)} vs ${want.slice(0, 8)}`);
  }
  await checkTransformersJsVariants(pipeline);
  console.log(`transformers.js fp32: pipeline text equal for ${sameText}/${golden.inputs.length}, generate() tokens equal for ${sameTokens}/${golden.inputs.length}`);
}

const part = process.env.CHECK_EXPORT_PART;
if (part === 'ort') await checkOrt();
else if (part === 'transformers') await checkTransformersJs();
else {
  for (const p of ['ort', 'transformers']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)],
      { stdio: 'inherit', env: { ...process.env, CHECK_EXPORT_PART: p } });
    if (r.status !== 0) failures++;
  }
}
if (part) process.exit(failures ? 1 : 0);
console.log(failures ? 'check_export: FAILED' : 'check_export: all checks passed');
process.exit(failures ? 1 : 0);
