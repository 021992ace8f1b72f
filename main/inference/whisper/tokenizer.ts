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
 */
export class WhisperTokenizer {
  readonly specials: WhisperSpecials;
  /** Language code → token id, in id order. */
  readonly languages: Map<string, number>;
  readonly multilingual: boolean;
  readonly generation: GenerationConfig;
  private readonly tok: Tokenizer;

  constructor(tokenizerJson: object, tokenizerConfig: object, generation: GenerationConfig) {
    this.tok = new Tokenizer(tokenizerJson, tokenizerConfig);
    this.generation = generation;
    const id = (name: string, ...alt: string[]): number => {
      for (const n of [name, ...alt]) {
        const v = this.tok.token_to_id(n);
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
      timestampBegin: this.tok.token_to_id('<|0.00|>') ?? noTimestamps + 1,
    };
    this.languages = new Map();
    if (generation.lang_to_id) {
      for (const [tokenName, tid] of Object.entries(generation.lang_to_id)) this.languages.set(tokenName.slice(2, -2), tid);
    } else {
      for (let t = sot + 1; t < this.specials.translate; t++) {
        const name = this.tok.id_to_token(t);
        if (name && /^<\|[a-z]{2,3}\|>$/.test(name)) this.languages.set(name.slice(2, -2), t);
      }
    }
    this.multilingual = generation.is_multilingual ?? this.languages.size > 1;
  }

  static fromModelFolder(dir: string): WhisperTokenizer {
    const tj = readJson<object>(join(dir, 'tokenizer.json'));
    const tcFile = join(dir, 'tokenizer_config.json');
    const tc = existsSync(tcFile) ? readJson<object>(tcFile) : {};
    const genFile = join(dir, 'generation_config.json');
    const gen = existsSync(genFile) ? readJson<GenerationConfig>(genFile) : {};
    return new WhisperTokenizer(tj, tc, gen);
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
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  /** Text of the text tokens; specials and timestamps are dropped. */
  decode(tokens: ArrayLike<number>): string {
    const ids: number[] = [];
    for (let i = 0; i < tokens.length; i++) if (tokens[i]! < this.specials.eot) ids.push(tokens[i]!);
    return this.tok.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  }

  /**
   * openai/whisper's non_speech_tokens: symbols a transcript should not start to
   * produce on its own ("-", "'", brackets, music notes...). Used when the model's
   * generation_config carries no suppress_tokens list.
   */
  nonSpeechTokens(): number[] {
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
      if (t === -1) for (const x of this.generation.suppress_tokens ?? this.nonSpeechTokens()) out.add(x);
      else if (t >= 0) out.add(t);
    }
    const s = this.specials;
    for (const t of [s.transcribe, s.translate, s.sot, s.sotPrev, s.sotLm, s.noSpeech]) out.add(t);
    return [...out].sort((a, b) => a - b);
  }
}
