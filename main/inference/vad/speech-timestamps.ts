/**
 * Silero's get_speech_timestamps (snakers4/silero-vad, utils_vad.py), ported line for line
 * over already-computed frame probabilities, so the same code serves whole buffers and
 * streams. Works in samples, like the original; callers convert to seconds.
 */

export interface SpeechTimestampOptions {
  /** Probability at or above which a frame is speech. */
  threshold: number;
  /** Inside speech, probability below which a frame counts as silence (silero: threshold - 0.15). */
  negThreshold: number;
  /** Speech shorter than this is dropped. */
  minSpeechDurationMs: number;
  /** Speech longer than this is split (at the longest silence seen, else hard); Infinity = never. */
  maxSpeechDurationS: number;
  /** Silence must last this long to end a speech region. */
  minSilenceDurationMs: number;
  /** Each region grows by this much on both sides (less where neighbours are closer). */
  speechPadMs: number;
  /** Only silences longer than this are split candidates when maxSpeechDurationS is reached. */
  minSilenceAtMaxSpeechMs: number;
  /** Split at the longest candidate silence (true) or the last one (false). */
  useMaxPossSilAtMaxSpeech: boolean;
}

/** The parameters the issue and WhisperX use: silero's defaults with an explicit off threshold. */
export const defaultSpeechTimestampOptions: SpeechTimestampOptions = {
  threshold: 0.5,
  negThreshold: 0.35,
  minSpeechDurationMs: 250,
  maxSpeechDurationS: Infinity,
  minSilenceDurationMs: 100,
  speechPadMs: 30,
  minSilenceAtMaxSpeechMs: 98,
  useMaxPossSilAtMaxSpeech: true,
};

export interface SampleRegion {
  start: number;
  end: number;
}

/**
 * @param probs one speech probability per window of `windowSamples`
 * @param audioLengthSamples length of the audio the probabilities came from
 */
export function speechTimestamps(
  probs: ArrayLike<number>,
  audioLengthSamples: number,
  options: Partial<SpeechTimestampOptions> = {},
  sampleRate = 16000,
  windowSamples = 512,
): SampleRegion[] {
  const o = { ...defaultSpeechTimestampOptions, ...options };
  const { threshold } = o;
  const negThreshold = o.negThreshold;
  const minSpeechSamples = (sampleRate * o.minSpeechDurationMs) / 1000;
  const speechPadSamples = (sampleRate * o.speechPadMs) / 1000;
  const maxSpeechSamples = sampleRate * o.maxSpeechDurationS - windowSamples - 2 * speechPadSamples;
  const minSilenceSamples = (sampleRate * o.minSilenceDurationMs) / 1000;
  const minSilenceSamplesAtMaxSpeech = (sampleRate * o.minSilenceAtMaxSpeechMs) / 1000;

  let triggered = false;
  const speeches: Array<{ start: number; end?: number }> = [];
  let current: { start?: number; end?: number } = {};
  let tempEnd = 0; // potential end of the current region, kept while silence is tolerated
  let prevEnd = 0;
  let nextStart = 0;
  let possibleEnds: Array<[number, number]> = [];

  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    const here = windowSamples * i;
    if (p >= threshold && tempEnd) {
      const silDur = here - tempEnd;
      if (silDur > minSilenceSamplesAtMaxSpeech) possibleEnds.push([tempEnd, silDur]);
      tempEnd = 0;
      if (nextStart < prevEnd) nextStart = here;
    }

    if (p >= threshold && !triggered) {
      triggered = true;
      current.start = here;
      continue;
    }

    if (triggered && here - current.start! > maxSpeechSamples) {
      if (possibleEnds.length) {
        let chosen: [number, number];
        if (o.useMaxPossSilAtMaxSpeech) {
          chosen = possibleEnds[0]!;
          for (const pe of possibleEnds) if (pe[1] > chosen[1]) chosen = pe;
        } else {
          chosen = possibleEnds[possibleEnds.length - 1]!;
        }
        const [end, dur] = chosen;
        prevEnd = end;
        current.end = prevEnd;
        speeches.push(current as { start: number; end: number });
        current = {};
        nextStart = prevEnd + dur;
        if (nextStart < prevEnd + here) {
          current.start = nextStart;
        } else {
          triggered = false;
        }
        const cut = nextStart;
        possibleEnds = possibleEnds.filter((pe) => pe[0] > cut);
        prevEnd = nextStart = tempEnd = 0;
      } else {
        current.end = here;
        speeches.push(current as { start: number; end: number });
        current = {};
        prevEnd = nextStart = tempEnd = 0;
        triggered = false;
        possibleEnds = [];
        continue;
      }
    }

    if (p < negThreshold && triggered) {
      if (!tempEnd) tempEnd = here;
      if (here - tempEnd < minSilenceSamples) continue;
      current.end = tempEnd;
      if (current.end - current.start! > minSpeechSamples) speeches.push(current as { start: number; end: number });
      current = {};
      prevEnd = nextStart = tempEnd = 0;
      triggered = false;
      possibleEnds = [];
      continue;
    }
  }

  if (current.start !== undefined && audioLengthSamples - current.start > minSpeechSamples) {
    current.end = audioLengthSamples;
    speeches.push(current as { start: number; end: number });
  }

  const out = speeches as SampleRegion[];
  for (let i = 0; i < out.length; i++) {
    const speech = out[i]!;
    if (i === 0) speech.start = Math.trunc(Math.max(0, speech.start - speechPadSamples));
    if (i !== out.length - 1) {
      const next = out[i + 1]!;
      const silence = next.start - speech.end;
      if (silence < 2 * speechPadSamples) {
        speech.end += Math.trunc(Math.floor(silence / 2));
        next.start = Math.trunc(Math.max(0, next.start - Math.floor(silence / 2)));
      } else {
        speech.end = Math.trunc(Math.min(audioLengthSamples, speech.end + speechPadSamples));
        next.start = Math.trunc(Math.max(0, next.start - speechPadSamples));
      }
    } else {
      speech.end = Math.trunc(Math.min(audioLengthSamples, speech.end + speechPadSamples));
    }
  }
  return out;
}
