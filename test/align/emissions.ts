/**
 * Hand-made emissions for the alignment tests: a frame script like "-he-l-lo" (one character
 * per frame, "-" = blank, "|" = word separator, "*" = some class the text does not use)
 * becomes logits where that frame's class is far ahead of the rest.
 */
import type { CtcAligner } from '../../main/inference/align';

/** A wav2vec2-like vocabulary: <pad> is the blank (id 0), "|" separates words. */
export const vocabList = ['<pad>', '<s>', '</s>', '<unk>', '|', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'l', 'n', 'o', 'r', 's', 't', 'w', 'x', 'y'];
export const dictionary: ReadonlyMap<string, number> = new Map(vocabList.map((c, i) => [c, i]));
export const BLANK = 0;

/** Logits [frames, classes] for a frame script; `peak` is how far the scripted class leads. */
export function scriptLogits(script: string, peak = 8): { data: Float32Array; frames: number; classes: number } {
  const frames = [...script];
  const classes = vocabList.length;
  const data = new Float32Array(frames.length * classes);
  frames.forEach((c, t) => {
    const id = c === '-' ? BLANK : c === '*' ? dictionary.get('x')! : dictionary.get(c);
    if (id === undefined) throw new Error(`no class for "${c}" in the test vocabulary`);
    data[t * classes + id] = peak;
  });
  return { data, frames: frames.length, classes };
}

/** An aligner that answers every slice with the logits of `scripts` in turn, and records the slices. */
export function scriptedAligner(scripts: string[]): CtcAligner & { slices: Float32Array[] } {
  const slices: Float32Array[] = [];
  let next = 0;
  return {
    dictionary,
    blankId: BLANK,
    slices,
    async logits(samples: Float32Array) {
      slices.push(samples);
      const script = scripts[next++];
      if (script === undefined) throw new Error('the scripted aligner ran out of scripts');
      return scriptLogits(script);
    },
    async release() {},
  };
}
