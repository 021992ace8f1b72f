import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DecoderSession } from '../../main/inference/whisper/decoding';
import { WhisperTokenizer } from '../../main/inference/whisper/tokenizer';
import { compressionRatio, defaultDecodingOptions, WhisperTranscriber, type WhisperDecodingOptions } from '../../main/inference/whisper/transcriber';
import { FakeDecoder, logitsRow, type LogitsFn } from './fake-decoder';
import { tinyModelDir } from './golden';

const tok = WhisperTokenizer.fromModelFolder(tinyModelDir);
const V = 51864;
const sp = tok.specials;

/** A model whose "encoder output" is the list of audio ids; each pass gets a fresh FakeDecoder. */
class FakeModel {
  readonly shape = { maxTargetPositions: 448 };
  sessions: FakeDecoder[] = [];
  constructor(
    private readonly logits: LogitsFn,
    private readonly atSot: (audio: number) => Float32Array = () => new Float32Array(V),
  ) {}
  decoderSession(enc: number[]): DecoderSession {
    const s = new FakeDecoder(V, (row, sampled) => this.logits(enc[row]!, sampled), (row) => this.atSot(enc[row]!));
    this.sessions.push(s);
    return s;
  }
}

const say = (tokens: number[], confidence = 20): LogitsFn => (_a, s) => logitsRow(V, { [tokens[s.length] ?? sp.eot]: confidence }, 0);
const opts = (o: Partial<WhisperDecodingOptions> = {}): WhisperDecodingOptions => ({ ...defaultDecodingOptions, beamSize: 1, ...o });
const hello = tok.encode(' hello world');

describe('Whisper transcription of chunks: prompts, fallback, no-speech, segments', () => {
  it('builds SOT (+ notimestamps) for English-only models and puts an initial prompt after <|startofprev|>', () => {
    const t = new WhisperTranscriber(new FakeModel(say([])), tok);
    expect([...t.prompt({ language: null, task: 'transcribe', withoutTimestamps: true, initialPrompt: null }).tokens]).toEqual([sp.sot, sp.noTimestamps]);
    expect([...t.prompt({ language: null, task: 'transcribe', withoutTimestamps: false, initialPrompt: null }).tokens]).toEqual([sp.sot]);
    const p = t.prompt({ language: null, task: 'transcribe', withoutTimestamps: true, initialPrompt: '  GPU lock, Redis ' });
    expect([...p.tokens]).toEqual([sp.sotPrev, ...tok.encode(' GPU lock, Redis'), sp.sot, sp.noTimestamps]);
    expect(p.tokens[p.sotIndex]).toBe(sp.sot);
  });

  it('accepts a confident decode at temperature 0 and makes one segment spanning the chunk', async () => {
    const model = new FakeModel(say(hello));
    const [r] = await new WhisperTranscriber(model, tok).transcribeBatch([0], [{ start: 12.5, end: 20 }], opts());
    expect(model.sessions).toHaveLength(1);
    expect(r!.decoded.temperature).toBe(0);
    expect(r!.segments).toMatchObject([{ start: 12.5, end: 20, text: ' hello world', tokens: hello, temperature: 0 }]);
    expect(r!.segments[0]!.avg_logprob).toBeGreaterThan(-0.01);
    expect(r!.segments[0]!.compression_ratio).toBeCloseTo(compressionRatio(' hello world'), 10);
  });

  it('retries only the failing chunks at 0.2 … 1.0 when the average log probability is below −1', async () => {
    // Audio 1 is unsure of everything (flat logits): avg logprob ≈ −ln V at every temperature.
    const model = new FakeModel((a, s) => (a === 0 ? say(hello)(a, s) : s.length < 3 ? new Float32Array(V) : logitsRow(V, { [sp.eot]: 30 }, 0)));
    const rs = await new WhisperTranscriber(model, tok).transcribeBatch([0, 1], [{ start: 0, end: 5 }, { start: 5, end: 10 }], opts());
    // Sampling passes decode best_of (5) candidates of the one failing chunk.
    expect(model.sessions.map((s) => s.rowsPerCall[0])).toEqual([2, 5, 5, 5, 5, 5]);
    expect(rs[0]!.decoded.temperature).toBe(0);
    expect(rs[1]!.decoded.temperature).toBe(1);
    expect(rs[1]!.decoded.avgLogprob).toBeLessThan(-1);
  });

  it('retries a repetitive decode (compression ratio > 2.4)', async () => {
    const the = tok.encode(' the')[0]!;
    const model = new FakeModel(say(new Array(60).fill(the)));
    const [r] = await new WhisperTranscriber(model, tok).transcribeBatch([0], [{ start: 0, end: 30 }], opts({ temperatures: [0, 0.5] }));
    expect(compressionRatio(' the'.repeat(60))).toBeGreaterThan(2.4);
    expect(model.sessions).toHaveLength(2);
    expect(r!.decoded.temperature).toBe(0.5);
  });

  it('skips a chunk whose no-speech probability is > 0.6 with a low log probability, without retrying it', async () => {
    const model = new FakeModel(() => new Float32Array(V), () => logitsRow(V, { [sp.noSpeech]: 30 }, 0));
    const [r] = await new WhisperTranscriber(model, tok).transcribeBatch([0], [{ start: 0, end: 30 }], opts({ suppressBlank: false }));
    expect(model.sessions).toHaveLength(1);
    expect(r!.decoded.noSpeechProb).toBeGreaterThan(0.6);
    expect(r!.decoded.skipped).toBe(true);
    expect(r!.segments).toEqual([]);
  });

  it('keeps a chunk with a high no-speech probability when the text is confident', async () => {
    const model = new FakeModel(say(hello), () => logitsRow(V, { [sp.noSpeech]: 30 }, 0));
    const [r] = await new WhisperTranscriber(model, tok).transcribeBatch([0], [{ start: 0, end: 30 }], opts());
    expect(r!.decoded.skipped).toBe(false);
    expect(r!.segments.map((s) => s.text)).toEqual([' hello world']);
  });

  it('splits a timestamped decode into segments at timestamp pairs, offset by the chunk start', async () => {
    const T = (s: number) => sp.timestampBegin + Math.round(s / 0.02);
    const a = tok.encode(' first part');
    const b = tok.encode(' second');
    const script = [T(0), ...a, T(1.5), T(1.5), ...b, T(3.2)];
    const model = new FakeModel(say(script));
    const [r] = await new WhisperTranscriber(model, tok).transcribeBatch([0], [{ start: 100, end: 104 }], opts({ withoutTimestamps: false }));
    expect(r!.decoded.tokens).toEqual(script);
    expect(r!.segments.map((s) => [s.start, s.end, s.text])).toEqual([
      [100, 101.5, ' first part'],
      [101.5, 103.2, ' second'],
    ]);
  });

  it('detects the language from the SOT logits of a multilingual model', async () => {
    const multi = new WhisperTokenizer(
      { ...JSON.parse(JSON.stringify(tokJson())) },
      {},
      { is_multilingual: true, lang_to_id: { '<|en|>': 50259, '<|de|>': 50261 }, decoder_start_token_id: 50257, no_timestamps_token_id: 50362 },
    );
    const model = new FakeModel(say([]), () => logitsRow(V, { 50261: 8, 50259: 2 }, 0));
    const r = await new WhisperTranscriber(model, multi).detectLanguage([0]);
    expect(r.language).toBe('de');
    expect(r.probability).toBeCloseTo(Math.exp(8) / (Math.exp(8) + Math.exp(2)), 6);
    expect([...new WhisperTranscriber(model, multi).prompt({ language: 'de', task: 'translate', withoutTimestamps: true, initialPrompt: null }).tokens]).toEqual([
      50257, 50261, multi.specials.translate, 50362,
    ]);
  });
});

function tokJson(): object {
  return JSON.parse(readFileSync(`${tinyModelDir}/tokenizer.json`, 'utf8')) as object;
}
