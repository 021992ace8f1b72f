import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ConsoleError } from '../../core/errors';

/** Seconds per timestamp token (Whisper: 2 encoder frames of 10 ms). */
export const TIME_PRECISION = 0.02;

export interface WhisperSpecials {
  eot: number;
  sot: number;
  translate: number;
  transcribe: number;
  sotLm: number;
  sotPrev: number;
  noSpeech: number;
  noTimestamps: number;
  /** Id of <|0.00|>; every id at or above it is a timestamp. */
  timestampBegin: number;
}

export interface GenerationConfig {
  is_multilingual?: boolean;
  lang_to_id?: Record<string, number>;
  task_to_id?: Record<string, number>;
  no_timestamps_token_id?: number;
  decoder_start_token_id?: number;
  suppress_tokens?: number[];
  begin_suppress_tokens?: number[];
  max_initial_timestamp_index?: number;
  max_length?: number;
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new ConsoleError('model_file_invalid', `Cannot read ${file}: ${(e as Error).message}`, {
      hint: 'The model folder must hold the tokenizer and config files of the onnx-community layout.',
      status: 500,
      cause: e,
    });
  }
}

/**
 * Whisper's tokenizer over the model's own tokenizer.json (byte-level BPE via
 * @huggingface/tokenizers). Special ids come from the vocabulary and generation_config,
 * never constants: large-v3 shifts them by one and test models have other vocab sizes.
 *
 * The library's tokenizer object is ~20 MB of small JS objects (vocabulary, merges).
 * Living in the inference worker's heap for the whole transcription, it made every
 * garbage collection mark ~400 000 objects — and onnxruntime-node hands back each
 * decoder step's outputs in fresh ArrayBuffers, so collections run every step or two,
 * competing with onnxruntime's threads for the cores (docs/performance.md). So it is
 * held only while needed: everything the decoder loop uses is derived once here —
 * specials, languages, the non-speech set and the blank tokens, and a byte table that
 * decodes exactly as the library's ByteLevel decoder does — and the library object is
 * rebuilt from the retained tokenizer.json text (one string) when a new prompt must be
 * encoded, behind a WeakRef and a small cache of encodings.
 */
export class WhisperTokenizer {
  readonly specials: WhisperSpecials;
  /** Language code → token id, in id order. */
  readonly languages: Map<string, number>;
  readonly multilingual: boolean;
  readonly generation: GenerationConfig;
  /** tokenizer.json as text, to rebuild the library tokenizer on demand. */
  private readonly source: string;
  private readonly config: object;
  /** Kept strongly only when the byte table cannot reproduce the library's decode. */
  private readonly pinned: Tokenizer | null;
  private fullRef: WeakRef<Tokenizer> | null = null;
  private readonly table: ByteTable | null;
  private readonly nonSpeech: number[];
  private readonly encoded = new Map<string, readonly number[]>();

  constructor(tokenizerJson: object | string, tokenizerConfig: object, generation: GenerationConfig) {
    this.source = typeof tokenizerJson === 'string' ? tokenizerJson : JSON.stringify(tokenizerJson);
    this.config = tokenizerConfig;
    const parsed = (typeof tokenizerJson === 'string' ? JSON.parse(tokenizerJson) : tokenizerJson) as TokenizerJson;
    const tok = new Tokenizer(parsed, tokenizerConfig);
    this.fullRef = new WeakRef(tok);
    this.generation = generation;
    const id = (name: string, ...alt: string[]): number => {
      for (const n of [name, ...alt]) {
        const v = tok.token_to_id(n);
        if (v !== undefined) return v;
      }
      throw new ConsoleError('model_tokenizer_invalid', `tokenizer.json has no ${name} token`, {
        hint: 'Use a Whisper tokenizer.json (it lists Whisper special tokens as added tokens).',
        status: 500,
      });
    };
    const eot = id('<|endoftext|>');
    const sot = generation.decoder_start_token_id ?? id('<|startoftranscript|>');
    const noTimestamps = generation.no_timestamps_token_id ?? id('<|notimestamps|>');
    this.specials = {
      eot,
      sot,
      translate: generation.task_to_id?.translate ?? id('<|translate|>'),
      transcribe: generation.task_to_id?.transcribe ?? id('<|transcribe|>'),
      sotLm: id('<|startoflm|>'),
      sotPrev: id('<|startofprev|>'),
      noSpeech: id('<|nospeech|>', '<|nocaptions|>'),
      noTimestamps,
      timestampBegin: tok.token_to_id('<|0.00|>') ?? noTimestamps + 1,
    };
    this.languages = new Map();
    if (generation.lang_to_id) {
      for (const [tokenName, tid] of Object.entries(generation.lang_to_id)) this.languages.set(tokenName.slice(2, -2), tid);
    } else {
      for (let t = sot + 1; t < this.specials.translate; t++) {
        const name = tok.id_to_token(t);
        if (name && /^<\|[a-z]{2,3}\|>$/.test(name)) this.languages.set(name.slice(2, -2), t);
      }
    }
    this.multilingual = generation.is_multilingual ?? this.languages.size > 1;
    this.table = byteTable(parsed, eot);
    this.pinned = this.table ? null : tok;
    this.nonSpeech = this.computeNonSpeech();
    // The transcriber asks for the blank tokens on every job: cached now, never a rebuild.
    this.encode(' ');
  }

  static fromModelFolder(dir: string): WhisperTokenizer {
    const file = join(dir, 'tokenizer.json');
    const unreadable = (e: unknown) =>
      new ConsoleError('model_file_invalid', `Cannot read ${file}: ${(e as Error).message}`, {
        hint: 'The model folder must hold the tokenizer and config files of the onnx-community layout.',
        status: 500,
        cause: e,
      });
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw unreadable(e);
    }
    const tcFile = join(dir, 'tokenizer_config.json');
    const tc = existsSync(tcFile) ? readJson<object>(tcFile) : {};
    const genFile = join(dir, 'generation_config.json');
    const gen = existsSync(genFile) ? readJson<GenerationConfig>(genFile) : {};
    try {
      return new WhisperTokenizer(text, tc, gen);
    } catch (e) {
      if (e instanceof SyntaxError) throw unreadable(e);
      throw e;
    }
  }

  /** Whether decoding runs on the byte table (true for Whisper's ByteLevel BPE tokenizers). */
  get decodesFromTable(): boolean {
    return this.table !== null;
  }

  /** The library tokenizer: the pinned one, the one still alive behind the WeakRef, or a new one. */
  private full(): Tokenizer {
    const alive = this.pinned ?? this.fullRef?.deref();
    if (alive) return alive;
    const tok = new Tokenizer(JSON.parse(this.source), this.config);
    this.fullRef = new WeakRef(tok);
    return tok;
  }

  languageToken(code: string): number {
    const t = this.languages.get(code);
    if (t === undefined)
      throw new ConsoleError('language_unknown', `The model has no language "${code}".`, {
        hint: `Use one of: ${[...this.languages.keys()].slice(0, 20).join(', ')}${this.languages.size > 20 ? ', …' : ''}.`,
        status: 400,
      });
    return t;
  }

  languageOf(token: number): string | null {
    for (const [code, t] of this.languages) if (t === token) return code;
    return null;
  }

  /** Text tokens only (no specials), as Whisper feeds initial prompts and hotwords. */
  encode(text: string): number[] {
    const hit = this.encoded.get(text);
    if (hit) return [...hit];
    const ids = this.full().encode(text, { add_special_tokens: false }).ids;
    if (this.encoded.size >= ENCODE_CACHE) this.encoded.delete(this.encoded.keys().next().value!);
    this.encoded.set(text, Object.freeze([...ids]));
    return ids;
  }

  /** Text of the text tokens; specials and timestamps are dropped. */
  decode(tokens: ArrayLike<number>): string {
    if (this.table) return this.table.decode(tokens);
    const eot = this.specials.eot;
    const ids: number[] = [];
    for (let i = 0; i < tokens.length; i++) if (tokens[i]! < eot) ids.push(tokens[i]!);
    if (ids.length === 0) return '';
    return this.full().decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  }

  /**
   * openai/whisper's non_speech_tokens: symbols a transcript should not start to
   * produce on its own ("-", "'", brackets, music notes...). Used when the model's
   * generation_config carries no suppress_tokens list.
   */
  nonSpeechTokens(): number[] {
    return [...this.nonSpeech];
  }

  private computeNonSpeech(): number[] {
    const symbols = [...'"#()*+/:;<=>@[\\]^_`{|}~「」『』'];
    symbols.push(..."<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".split(' '));
    const misc = [...'♩♪♫♬♭♮♯'];
    const result = new Set<number>();
    const first = (s: string) => this.encode(s)[0];
    for (const s of [' -', " '"]) {
      const t = first(s);
      if (t !== undefined) result.add(t);
    }
    for (const symbol of [...symbols, ...misc]) {
      for (const tokens of [this.encode(symbol), this.encode(' ' + symbol)]) {
        if (tokens.length === 1 || (misc.includes(symbol) && tokens.length > 0)) result.add(tokens[0]!);
      }
    }
    return [...result].sort((a, b) => a - b);
  }

  /**
   * The ids SuppressTokens masks: suppress_tokens = [-1] (the default) means the
   * non-speech set; Whisper's task/control specials are always added.
   */
  suppressTokens(requested: number[] = [-1]): number[] {
    const out = new Set<number>();
    for (const t of requested) {
      if (t === -1) for (const x of this.generation.suppress_tokens ?? this.nonSpeech) out.add(x);
      else if (t >= 0) out.add(t);
    }
    const s = this.specials;
    for (const t of [s.transcribe, s.translate, s.sot, s.sotPrev, s.sotLm, s.noSpeech]) out.add(t);
    return [...out].sort((a, b) => a - b);
  }
}

/** Encodings kept per text (initial prompts and hotwords repeat across jobs). */
const ENCODE_CACHE = 64;

interface TokenizerJson {
  model?: { type?: string; vocab?: unknown };
  decoder?: { type?: string } | null;
  added_tokens?: Array<{ id: number; content: string }>;
}

/** GPT-2's bytes_to_unicode, inverted: the printable character standing for each byte → the byte. */
function unicodeToBytes(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [String.fromCharCode(cs[i]!), b]));
}

/**
 * The bytes of every text token (id < eot) in two typed arrays, so decoding touches no
 * per-token objects. Returns null — the caller keeps the library's decoder — unless the
 * tokenizer is a plain ByteLevel BPE whose text tokens are all ordinary vocabulary
 * entries (what the library's ByteLevel decoder turns into bytes and one UTF-8 decode).
 */
function byteTable(json: TokenizerJson, eot: number): ByteTable | null {
  if (json.model?.type !== 'BPE' || json.decoder?.type !== 'ByteLevel') return null;
  const vocab = json.model.vocab;
  if (!vocab || typeof vocab !== 'object' || Array.isArray(vocab)) return null;
  const added = new Set((json.added_tokens ?? []).map((t) => t.content));
  const toByte = unicodeToBytes();
  const tokens: Array<number[] | undefined> = new Array(eot);
  let total = 0;
  for (const [token, id] of Object.entries(vocab as Record<string, number>)) {
    if (!Number.isInteger(id) || id < 0 || id >= eot) continue;
    if (added.has(token)) return null;
    const bytes: number[] = [];
    for (const ch of token) {
      const b = toByte.get(ch);
      if (b === undefined) return null;
      bytes.push(b);
    }
    tokens[id] = bytes;
    total += bytes.length;
  }
  for (const t of json.added_tokens ?? []) if (t.id < eot && tokens[t.id] === undefined) return null;
  const data = new Uint8Array(total);
  const offsets = new Int32Array(eot + 1);
  let at = 0;
  for (let id = 0; id < eot; id++) {
    offsets[id] = at;
    const bytes = tokens[id];
    if (bytes) for (const b of bytes) data[at++] = b;
  }
  offsets[eot] = at;
  return new ByteTable(data, offsets);
}

class ByteTable {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  constructor(
    private readonly data: Uint8Array,
    private readonly offsets: Int32Array,
  ) {}

  /** Ids outside the table — specials and timestamps (≥ eot), unknown ids — contribute nothing. */
  decode(tokens: ArrayLike<number>): string {
    const size = this.offsets.length - 1;
    let n = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t >= 0 && t < size) n += this.offsets[t + 1]! - this.offsets[t]!;
    }
    const out = new Uint8Array(n);
    let at = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t < 0 || t >= size) continue;
      const a = this.offsets[t]!;
      const b = this.offsets[t + 1]!;
      out.set(this.data.subarray(a, b), at);
      at += b - a;
    }
    return this.utf8.decode(out);
  }
}
