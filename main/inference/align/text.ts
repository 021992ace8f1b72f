/**
 * The text side of whisperx's align(): which characters of a segment are aligned, how they map
 * to the model's tokens, and how aligned characters become words.
 */
import type { Word } from '../types';
import type { CharSpan } from './ctc';

/** Languages whose words are single characters (whisperx LANGUAGES_WITHOUT_SPACES). */
export const languagesWithoutSpaces: ReadonlySet<string> = new Set(['ja', 'zh']);

/** What to do with a character the model's vocabulary lacks (a digit, a symbol, another script). */
export type UnknownCharPolicy =
  /** Recent whisperx: align it against a wildcard column (the best non-blank score per frame). */
  | 'wildcard'
  /** Older whisperx: leave it out; its word may then get interpolated times. */
  | 'skip';

export interface CleanText {
  /** The characters to align (lower case, "|" for a space). */
  chars: string[];
  /** Where each of `chars` is in the segment text (code point index). */
  index: number[];
  /** Whether some character is not in the dictionary (needs the wildcard column). */
  hasUnknown: boolean;
}

/** Python's iteration over a str: code points. */
export const codePointsOf = (s: string): string[] => [...s];
const isPyWhitespace = (c: string) => /\s/u.test(c);

/** Step 1 of align(): keep the characters the model can align, as whisperx does. */
export function cleanText(text: string, dictionary: ReadonlyMap<string, number>, language: string, unknown: UnknownCharPolicy = 'wildcard'): CleanText {
  const cps = codePointsOf(text);
  let numLeading = 0;
  while (numLeading < cps.length && isPyWhitespace(cps[numLeading]!)) numLeading++;
  let numTrailing = 0;
  while (numTrailing < cps.length - numLeading && isPyWhitespace(cps[cps.length - 1 - numTrailing]!)) numTrailing++;
  const spaced = !languagesWithoutSpaces.has(language);
  const out: CleanText = { chars: [], index: [], hasUnknown: false };
  cps.forEach((c, cdx) => {
    let ch = c.toLowerCase();
    if (spaced) ch = ch.replaceAll(' ', '|');
    if (cdx < numLeading || cdx > cps.length - numTrailing - 1) return;
    if (dictionary.has(ch)) {
      out.chars.push(ch);
      out.index.push(cdx);
    } else if (ch !== ' ' && ch !== '|' && unknown === 'wildcard') {
      out.chars.push(ch);
      out.index.push(cdx);
      out.hasUnknown = true;
    }
  });
  return out;
}

/** Python's round(x, 3): nearest, exact decimal halves to even. */
export function round3(x: number): number {
  // A float's decimal expansion ends in an exact 5 at the 4th place only for odd multiples of 1/16.
  const sixteenths = x * 16;
  if (Number.isInteger(sixteenths) && sixteenths % 2 !== 0) {
    const floor = Math.floor(x * 1000);
    return (floor % 2 === 0 ? floor : floor + 1) / 1000;
  }
  return Number(x.toFixed(3));
}

interface TimedChar {
  char: string;
  start: number | null;
  end: number | null;
  score: number | null;
  wordIdx: number;
}

/**
 * interpolate_nans(method="nearest") as whisperx uses it: each missing value takes the value of
 * the nearest present one by position (a tie goes to the earlier, as scipy's "nearest" does);
 * all missing stays all missing.
 */
export function interpolateNearest(values: ReadonlyArray<number | null>): Array<number | null> {
  const known = values.flatMap((v, i) => (v === null ? [] : [i]));
  if (known.length === 0) return [...values];
  let k = 0;
  return values.map((v, i) => {
    if (v !== null) return v;
    while (k + 1 < known.length && known[k + 1]! < i) k++;
    const before = known[k]! < i ? known[k]! : null;
    const after = before === null ? known[k]! : known[k + 1] ?? null;
    if (before === null) return values[after!]!;
    if (after === null) return values[before]!;
    return i - before <= after - i ? values[before]! : values[after]!;
  });
}

export interface WordsFromCharsInput {
  text: string;
  language: string;
  clean: CleanText;
  /** merge_repeats output, one span per clean character. */
  spans: readonly CharSpan[];
  /** Seconds per emission frame (whisperx's ratio). */
  ratio: number;
  /** Segment start in seconds. */
  t1: number;
}

/**
 * Aligned characters → words with start, end (rounded to ms) and score (mean of the character
 * scores), and the segment's aligned start/end; words none of whose characters aligned get
 * their times from the nearest aligned word.
 */
export function wordsFromChars(a: WordsFromCharsInput): { words: Word[]; start: number | null; end: number | null } {
  const cps = codePointsOf(a.text);
  const spaced = !languagesWithoutSpaces.has(a.language);
  const cleanAt = new Map(a.clean.index.map((cdx, i) => [cdx, i]));
  const chars: TimedChar[] = [];
  let wordIdx = 0;
  cps.forEach((char, cdx) => {
    const i = cleanAt.get(cdx);
    const span = i === undefined ? undefined : a.spans[i];
    chars.push({
      char,
      start: span ? round3(span.start * a.ratio + a.t1) : null,
      end: span ? round3(span.end * a.ratio + a.t1) : null,
      score: span ? round3(span.score) : null,
      wordIdx,
    });
    if (!spaced || cdx === cps.length - 1 || cps[cdx + 1] === ' ') wordIdx++;
  });

  // The segment is whisperx's one "sentence" here: its characters without surrounding whitespace.
  let first = 0;
  while (first < cps.length && isPyWhitespace(cps[first]!)) first++;
  let last = cps.length - 1;
  while (last >= first && isPyWhitespace(cps[last]!)) last--;
  // whisperx's span test is inclusive of the character after the sentence.
  const inSentence = chars.slice(first, Math.min(cps.length, last + 2));
  const min = (xs: Array<number | null>) => xs.reduce<number | null>((m, x) => (x === null ? m : m === null ? x : Math.min(m, x)), null);
  const max = (xs: Array<number | null>) => xs.reduce<number | null>((m, x) => (x === null ? m : m === null ? x : Math.max(m, x)), null);
  const start = min(inSentence.map((c) => c.start));
  const end = max(inSentence.filter((c) => c.char !== ' ').map((c) => c.end));

  const words: Word[] = [];
  const seen = new Set<number>();
  for (const c of inSentence) {
    if (seen.has(c.wordIdx)) continue;
    seen.add(c.wordIdx);
    const wordChars = inSentence.filter((x) => x.wordIdx === c.wordIdx);
    const wordText = wordChars.map((x) => x.char).join('').trim();
    if (!wordText) continue;
    const timed = wordChars.filter((x) => x.char !== ' ');
    const scores = timed.flatMap((x) => (x.score === null ? [] : [x.score]));
    const word: Word = { word: wordText };
    const ws = min(timed.map((x) => x.start));
    const we = max(timed.map((x) => x.end));
    if (ws !== null) word.start = ws;
    if (we !== null) word.end = we;
    if (scores.length) word.score = round3(scores.reduce((s, x) => s + x, 0) / scores.length);
    words.push(word);
  }

  const starts = words.map((w) => w.start ?? null);
  if (starts.some((s) => s === null) && starts.some((s) => s !== null)) {
    const is = interpolateNearest(starts);
    const ie = interpolateNearest(words.map((w) => w.end ?? null));
    words.forEach((w, i) => {
      if (w.start === undefined && is[i] !== null) w.start = is[i]!;
      if (w.end === undefined && ie[i] !== null) w.end = ie[i]!;
    });
  }
  return { words, start, end };
}

/** The words of a segment that could not be aligned: its text split as whisperx splits words, no times. */
export function untimedWords(text: string, language: string): Word[] {
  const parts = languagesWithoutSpaces.has(language) ? codePointsOf(text.trim()).filter((c) => !isPyWhitespace(c)) : text.split(/\s+/u);
  return parts.filter(Boolean).map((word) => ({ word }));
}
