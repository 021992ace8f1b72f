import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../main/core/random';
import { WhisperTokenizer } from '../../main/inference/whisper/tokenizer';
import { tinyModelDir } from './golden';

const json = (): Record<string, unknown> => JSON.parse(readFileSync(join(tinyModelDir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
const library = new Tokenizer(json(), {});
const tok = WhisperTokenizer.fromModelFolder(tinyModelDir);
const eot = tok.specials.eot;

/** What the library gives for the text tokens of a sequence (the previous implementation). */
function libraryDecode(t: Tokenizer, tokens: number[]): string {
  const ids = tokens.filter((x) => x < eot);
  return ids.length ? t.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }) : '';
}

describe('WhisperTokenizer decoding from its byte table', () => {
  it('is used for Whisper tokenizer.json (ByteLevel BPE)', () => {
    expect(tok.decodesFromTable).toBe(true);
  });

  it('decodes every text token exactly as @huggingface/tokenizers does', () => {
    const mismatches: number[] = [];
    for (let id = 0; id < eot; id++) if (tok.decode([id]) !== libraryDecode(library, [id])) mismatches.push(id);
    expect(mismatches).toEqual([]);
  });

  it('decodes random sequences — split UTF-8 sequences, specials and timestamps mixed in — exactly as the library does', () => {
    const random = seededRandom(20261204);
    // Tokens of one byte ≥ 0x80 (UTF-8 lead and continuation bytes): sequences of them are
    // often invalid UTF-8 and must give the same replacement characters.
    const fragments: number[] = [];
    for (let id = 0; id < eot; id++) {
      const bytes = new TextEncoder().encode(libraryDecode(library, [id]));
      if (bytes.length === 3 && bytes[0] === 0xef && bytes[1] === 0xbf && bytes[2] === 0xbd) fragments.push(id);
    }
    expect(fragments.length).toBeGreaterThan(60);
    const pick = (): number => {
      const r = random();
      if (r < 0.35) return fragments[Math.floor(random() * fragments.length)]!;
      if (r < 0.45) return eot + Math.floor(random() * 1600); // specials and timestamps
      return Math.floor(random() * eot);
    };
    for (let n = 0; n < 2000; n++) {
      const seq = Array.from({ length: 1 + Math.floor(random() * 24) }, pick);
      expect(tok.decode(seq), JSON.stringify(seq)).toBe(libraryDecode(library, seq));
    }
    // Text that round-trips: the encoding of mixed-script text decodes back to it.
    const text = ' GPU lock held — naïve café, 日本語のテキスト, emoji 🎙️ and "quotes".';
    expect(tok.decode(library.encode(text, { add_special_tokens: false }).ids)).toBe(text);
    // A leading byte-order mark is text, not something to strip.
    const bom = library.encode('\ufeff hello', { add_special_tokens: false }).ids;
    expect(tok.decode(bom)).toBe('\ufeff hello');
    expect(tok.decode(bom)).toBe(libraryDecode(library, bom));
  });

  it('gives an empty string for no text tokens (only specials and timestamps, or nothing)', () => {
    expect(tok.decode([])).toBe('');
    expect(tok.decode([eot, tok.specials.sot, tok.specials.timestampBegin + 50])).toBe('');
  });

  it("falls back to the library's decoder when the tokenizer is not plain ByteLevel BPE, with the same results", () => {
    const j = json();
    j.decoder = { type: 'Sequence', decoders: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }] };
    const other = new WhisperTokenizer(j, {}, {});
    expect(other.decodesFromTable).toBe(false);
    const ids = library.encode(' naïve café 日本語', { add_special_tokens: false }).ids;
    expect(other.decode([...ids, eot])).toBe(libraryDecode(new Tokenizer(j, {}), ids));
    expect(other.decode([...ids, eot])).toBe(' naïve café 日本語');
  });
});

describe('WhisperTokenizer encoding', () => {
  it('encodes as the library does, and a cached result cannot be changed by its caller', () => {
    for (const text of [' hello world', ' GPU lock, Redis', ' naïve café 日本語', ' ']) {
      const ids = tok.encode(text);
      expect(ids).toEqual(library.encode(text, { add_special_tokens: false }).ids);
      ids.push(1);
      expect(tok.encode(text)).toEqual(library.encode(text, { add_special_tokens: false }).ids);
    }
  });

  it('derives the non-speech set once and hands out copies', () => {
    const a = tok.nonSpeechTokens();
    a.length = 0;
    expect(tok.nonSpeechTokens().length).toBeGreaterThan(50);
  });

  it('reports an unreadable tokenizer.json as a model error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wx-tok-'));
    cpSync(tinyModelDir, dir, { recursive: true, filter: (src) => !src.includes('/onnx') });
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": ');
    expect(() => WhisperTokenizer.fromModelFolder(dir)).toThrow(expect.objectContaining({ code: 'model_file_invalid' }));
  });
});

describe('WhisperTokenizer in the inference worker heap', () => {
  it('does not keep the library tokenizer alive: the heap after a collection is far smaller than with it held', () => {
    // A separate process with --expose-gc: the figure is V8's used heap after a full collection.
    const script = resolve('test/inference/fixtures/tokenizer-heap.ts');
    const run = (mode: string) =>
      JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, tinyModelDir, mode], { encoding: 'utf8' })) as { heapUsed: number; text: string };
    const whisper = run('whisper');
    const held = run('library');
    expect(whisper.text).toBe(held.text);
    // The library tokenizer is ~20 MB of objects; the table and the retained JSON text ~3 MB.
    expect(held.heapUsed - whisper.heapUsed).toBeGreaterThan(10e6);
  });
});
