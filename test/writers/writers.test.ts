import { describe, expect, it } from 'vitest';
import type { Transcript, Word } from '../../main/inference/types';
import { formatTimestamp, outputFormats, parseOutputFormats, writeTranscript } from '../../main/inference/writers';

// Golden strings below were checked byte for byte against WhisperX's utils.py writers
// (SubtitlesWriter, WriteTXT, WriteTSV) run under Python on the same transcripts.

const w = (word: string, start?: number, end?: number): Word => ({ word, ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) });

const plain: Transcript = {
  language: 'en',
  duration: 10,
  segments: [
    { id: 0, start: 0, end: 2.5, text: ' Hello world.' },
    { id: 1, start: 2.5, end: 5.0049, text: ' Second --> line\t tab ' },
  ],
};

const aligned: Transcript = {
  language: 'en',
  duration: 10,
  segments: [
    { id: 0, start: 0.5, end: 3, text: ' Hello there my friend', speaker: 'SPEAKER_00', words: [w('Hello', 0.5, 0.9), w('there', 1.0, 1.4), w('my', 1.5, 1.6), w('friend', 1.7, 2.9)] },
    // "20" has no timing (alignment could not place a number), as WhisperX leaves it.
    { id: 1, start: 3.5, end: 6, text: 'It costs 20 dollars', speaker: 'SPEAKER_01', words: [w('It', 3.5, 3.7), w('costs', 3.8, 4.2), w('20'), w('dollars', 4.9, 5.8)] },
  ],
};

const empty: Transcript = { language: 'en', duration: 3, segments: [] };

describe('srt', () => {
  it('numbers cues, HH:MM:SS,mmm, strips text, rewrites "-->"', () => {
    expect(writeTranscript(plain, 'srt')).toBe(
      '1\n00:00:00,000 --> 00:00:02,500\nHello world.\n\n2\n00:00:02,500 --> 00:00:05,005\nSecond -> line\t tab\n\n',
    );
  });

  it('hours past 99 and Python rounding (half to even) of milliseconds', () => {
    const t: Transcript = {
      language: 'en',
      duration: 1e6,
      segments: [
        { id: 0, start: 3725.5, end: 3726.0025, text: 'late' },
        { id: 1, start: 0.0015, end: 0.0025, text: 'r' },
        { id: 2, start: 360000, end: 360001.0005, text: 'x' },
      ],
    };
    expect(writeTranscript(t, 'srt')).toBe(
      '1\n01:02:05,500 --> 01:02:06,002\nlate\n\n2\n00:00:00,002 --> 00:00:00,002\nr\n\n3\n100:00:00,000 --> 100:00:01,000\nx\n\n',
    );
    expect(writeTranscript(t, 'vtt')).toBe(
      'WEBVTT\n\n01:02:05.500 --> 01:02:06.002\nlate\n\n00:00.002 --> 00:00.002\nr\n\n100:00:00.000 --> 100:00:01.000\nx\n\n',
    );
  });

  it('with words: one cue per segment from the word timings, speaker prefixed', () => {
    expect(writeTranscript(aligned, 'srt')).toBe(
      '1\n00:00:00,500 --> 00:00:02,900\n[SPEAKER_00]: Hello there my friend\n\n2\n00:00:03,500 --> 00:00:05,800\n[SPEAKER_01]: It costs 20 dollars\n\n',
    );
  });

  it('highlightWords: a cue per word with it underlined, and the gaps between words', () => {
    const srt = writeTranscript(aligned, 'srt', { highlightWords: true });
    expect(srt.startsWith(
      '1\n00:00:00,500 --> 00:00:00,900\n[SPEAKER_00]: <u>Hello</u> there my friend\n\n' +
        '2\n00:00:00,900 --> 00:00:01,000\n[SPEAKER_00]: Hello there my friend\n\n' +
        '3\n00:00:01,000 --> 00:00:01,400\n[SPEAKER_00]: Hello <u>there</u> my friend\n\n',
    )).toBe(true);
    // The untimed "20" is never underlined on its own; the cue after "costs" spans to "dollars".
    expect(srt).toContain('11\n00:00:04,200 --> 00:00:04,900\n[SPEAKER_01]: It costs 20 dollars\n\n');
    expect(srt.endsWith('12\n00:00:04,900 --> 00:00:05,800\n[SPEAKER_01]: It costs 20 <u>dollars</u>\n\n')).toBe(true);
  });

  it('maxLineWidth and maxLineCount split cues as WhisperX does (even across segments)', () => {
    expect(writeTranscript(aligned, 'srt', { maxLineWidth: 10, maxLineCount: 1 })).toBe(
      '1\n00:00:00,500 --> 00:00:01,400\n[SPEAKER_00]: Hello there\n\n' +
        '2\n00:00:01,500 --> 00:00:03,700\n[SPEAKER_00]: my friend It\n\n' +
        '3\n00:00:03,800 --> 00:00:04,200\n[SPEAKER_01]: costs 20\n\n' +
        '4\n00:00:04,900 --> 00:00:05,800\n[SPEAKER_01]: dollars\n\n',
    );
  });

  it('maxLineWidth alone breaks lines inside a segment cue', () => {
    expect(writeTranscript(aligned, 'srt', { maxLineWidth: 10 })).toBe(
      '1\n00:00:00,500 --> 00:00:02,900\n[SPEAKER_00]: Hello there \nmy friend\n\n' +
        '2\n00:00:03,500 --> 00:00:05,800\n[SPEAKER_01]: It costs 20 \ndollars\n\n',
    );
  });

  it('a segment alignment left without words keeps its text', () => {
    const t: Transcript = { ...aligned, segments: [aligned.segments[0]!, { id: 1, start: 4, end: 5, text: ' Unaligned ', words: [] }] };
    expect(writeTranscript(t, 'srt')).toContain('2\n00:00:04,000 --> 00:00:05,000\nUnaligned\n\n');
  });

  it('empty transcript: empty file', () => {
    expect(writeTranscript(empty, 'srt')).toBe('');
  });
});

describe('vtt', () => {
  it('WEBVTT header, MM:SS.mmm below an hour', () => {
    expect(writeTranscript(plain, 'vtt')).toBe('WEBVTT\n\n00:00.000 --> 00:02.500\nHello world.\n\n00:02.500 --> 00:05.005\nSecond -> line\t tab\n\n');
  });

  it('speakers without words: "[SPEAKER_00]: " before the segment text', () => {
    const t: Transcript = { language: 'en', duration: 2, segments: [{ id: 0, start: 0, end: 1, text: ' Hi.', speaker: 'SPEAKER_00' }] };
    expect(writeTranscript(t, 'vtt')).toBe('WEBVTT\n\n00:00.000 --> 00:01.000\n[SPEAKER_00]: Hi.\n\n');
  });

  it('Japanese words join without spaces', () => {
    const t: Transcript = { language: 'ja', duration: 3, segments: [{ id: 0, start: 0, end: 2, text: 'こんにちは世界', words: [w('こんにちは', 0, 1), w('世界', 1, 2)] }] };
    expect(writeTranscript(t, 'vtt')).toBe('WEBVTT\n\n00:00.000 --> 00:02.000\nこんにちは世界\n\n');
  });

  it('empty transcript: just the header', () => {
    expect(writeTranscript(empty, 'vtt')).toBe('WEBVTT\n\n');
  });
});

describe('txt', () => {
  it('one stripped segment per line', () => {
    expect(writeTranscript(plain, 'txt')).toBe('Hello world.\nSecond --> line\t tab\n');
  });
  it('speaker prefixes', () => {
    expect(writeTranscript(aligned, 'txt')).toBe('[SPEAKER_00]: Hello there my friend\n[SPEAKER_01]: It costs 20 dollars\n');
  });
  it('unicode passes through', () => {
    const t: Transcript = { language: 'de', duration: 1, segments: [{ id: 0, start: 0, end: 1, text: ' Grüße 🎉 aus Köln ' }] };
    expect(writeTranscript(t, 'txt')).toBe('Grüße 🎉 aus Köln\n');
  });
  it('empty transcript: empty file', () => {
    expect(writeTranscript(empty, 'txt')).toBe('');
  });
});

describe('tsv', () => {
  it('header, integer milliseconds, tabs in text become spaces', () => {
    expect(writeTranscript(plain, 'tsv')).toBe('start\tend\ttext\n0\t2500\tHello world.\n2500\t5005\tSecond --> line  tab\n');
  });
  it('with speakers, a speaker column after text', () => {
    expect(writeTranscript(aligned, 'tsv')).toBe('start\tend\ttext\tspeaker\n500\t3000\tHello there my friend\tSPEAKER_00\n3500\t6000\tIt costs 20 dollars\tSPEAKER_01\n');
  });
  it('empty transcript: just the header', () => {
    expect(writeTranscript(empty, 'tsv')).toBe('start\tend\ttext\n');
  });
});

describe('json', () => {
  it('WhisperX result shape: segments then language, unicode unescaped', () => {
    const t: Transcript = {
      language: 'de',
      duration: 1,
      model: 'tiny',
      segments: [{ id: 0, start: 0, end: 1.25, text: ' Grüße', tokens: [1, 2], avg_logprob: -0.25, no_speech_prob: 0.01, compression_ratio: 1.5, temperature: 0 }],
    };
    expect(writeTranscript(t, 'json')).toBe(
      '{"segments":[{"id":0,"start":0,"end":1.25,"text":" Grüße","tokens":[1,2],"temperature":0,"avg_logprob":-0.25,"compression_ratio":1.5,"no_speech_prob":0.01}],"language":"de"}',
    );
  });

  it('words, speakers and word_segments when alignment/diarization filled them', () => {
    const t: Transcript = { ...aligned, word_segments: [{ word: 'Hello', start: 0.5, end: 0.9, score: 0.93, speaker: 'SPEAKER_00' }] };
    const parsed = JSON.parse(writeTranscript(t, 'json'));
    expect(Object.keys(parsed)).toEqual(['segments', 'word_segments', 'language']);
    expect(parsed.segments[0]).toEqual({
      id: 0,
      start: 0.5,
      end: 3,
      text: ' Hello there my friend',
      words: [
        { word: 'Hello', start: 0.5, end: 0.9 },
        { word: 'there', start: 1.0, end: 1.4 },
        { word: 'my', start: 1.5, end: 1.6 },
        { word: 'friend', start: 1.7, end: 2.9 },
      ],
      speaker: 'SPEAKER_00',
    });
    expect(parsed.segments[1].words[2]).toEqual({ word: '20' });
    expect(parsed.word_segments).toEqual([{ word: 'Hello', start: 0.5, end: 0.9, score: 0.93, speaker: 'SPEAKER_00' }]);
  });

  it('empty transcript', () => {
    expect(writeTranscript(empty, 'json')).toBe('{"segments":[],"language":"en"}');
  });
});

describe('words and speakers from the alignment and diarization stages', () => {
  // What alignSegments returns: scores on words, a speaker per word after diarization, and a
  // segment alignment could not place, which keeps its times and gets untimed words.
  const staged: Transcript = {
    language: 'en',
    duration: 8,
    segments: [
      {
        id: 0,
        start: 0.12,
        end: 1.04,
        text: ' Rack seven',
        speaker: 'SPEAKER_00',
        words: [
          { word: 'Rack', start: 0.12, end: 0.5, score: 0.91, speaker: 'SPEAKER_00' },
          { word: 'seven', start: 0.6, end: 1.04, score: 0.88, speaker: 'SPEAKER_00' },
        ],
      },
      { id: 1, start: 2, end: 3.5, text: ' 42 %', words: [{ word: '42' }, { word: '%' }] },
    ],
    word_segments: [
      { word: 'Rack', start: 0.12, end: 0.5, score: 0.91, speaker: 'SPEAKER_00' },
      { word: 'seven', start: 0.6, end: 1.04, score: 0.88, speaker: 'SPEAKER_00' },
      { word: '42' },
      { word: '%' },
    ],
  };

  it('json: words keep word, start, end, score, speaker in that order; untimed words stay', () => {
    const json = writeTranscript(staged, 'json');
    expect(json).toContain('"words":[{"word":"Rack","start":0.12,"end":0.5,"score":0.91,"speaker":"SPEAKER_00"},');
    expect(json).toContain('"speaker":"SPEAKER_00"},{"id":1');
    expect(json).toContain('"words":[{"word":"42"},{"word":"%"}]}],"word_segments":[{"word":"Rack"');
    expect(json.endsWith('{"word":"42"},{"word":"%"}],"language":"en"}')).toBe(true);
  });

  it('srt: an unaligned segment keeps its own times and has no speaker prefix when it has no speaker', () => {
    expect(writeTranscript(staged, 'srt')).toBe(
      '1\n00:00:00,120 --> 00:00:01,040\n[SPEAKER_00]: Rack seven\n\n2\n00:00:02,000 --> 00:00:03,500\n42 %\n\n',
    );
  });

  it('vtt highlightWords: one cue per timed word, underlined, speaker prefixed; an untimed segment is one plain cue', () => {
    expect(writeTranscript(staged, 'vtt', { highlightWords: true })).toBe(
      'WEBVTT\n\n' +
        '00:00.120 --> 00:00.500\n[SPEAKER_00]: <u>Rack</u> seven\n\n' +
        '00:00.500 --> 00:00.600\n[SPEAKER_00]: Rack seven\n\n' +
        '00:00.600 --> 00:01.040\n[SPEAKER_00]: Rack <u>seven</u>\n\n' +
        '00:02.000 --> 00:03.500\n42 %\n\n',
    );
  });

  it('without highlightWords the same transcript gives one cue per segment', () => {
    expect(writeTranscript(staged, 'vtt')).toBe('WEBVTT\n\n00:00.120 --> 00:01.040\n[SPEAKER_00]: Rack seven\n\n00:02.000 --> 00:03.500\n42 %\n\n');
  });

  it('tsv: the speaker column appears once any segment has a speaker; a segment without one leaves it empty', () => {
    expect(writeTranscript(staged, 'tsv')).toBe('start\tend\ttext\tspeaker\n120\t1040\tRack seven\tSPEAKER_00\n2000\t3500\t42 %\t\n');
  });

  it('txt: the prefix only where a speaker is known', () => {
    expect(writeTranscript(staged, 'txt')).toBe('[SPEAKER_00]: Rack seven\n42 %\n');
  });

  it('words alone (no speakers) change nothing in txt and tsv', () => {
    const noSpeakers: Transcript = { ...aligned, segments: aligned.segments.map(({ speaker: _s, ...rest }) => rest) };
    expect(writeTranscript(noSpeakers, 'txt')).toBe('Hello there my friend\nIt costs 20 dollars\n');
    expect(writeTranscript(noSpeakers, 'tsv')).toBe('start\tend\ttext\n500\t3000\tHello there my friend\n3500\t6000\tIt costs 20 dollars\n');
  });
});

describe('formats and timestamps', () => {
  it('the five formats, in WhisperX order', () => {
    expect(outputFormats).toEqual(['txt', 'vtt', 'srt', 'tsv', 'json']);
  });

  it('parses --output-format values', () => {
    expect(parseOutputFormats('all')).toEqual(['txt', 'vtt', 'srt', 'tsv', 'json']);
    expect(parseOutputFormats('srt, VTT,srt')).toEqual(['srt', 'vtt']);
    expect(() => parseOutputFormats('srt,docx')).toThrow(/docx/);
    expect(() => parseOutputFormats('')).toThrow(RangeError);
  });

  it('format_timestamp: hours only when asked or needed; negative and NaN become zero', () => {
    expect(formatTimestamp(59.9999)).toBe('01:00.000');
    expect(formatTimestamp(3599.9994)).toBe('59:59.999');
    expect(formatTimestamp(3599.9996)).toBe('01:00:00.000');
    expect(formatTimestamp(1.5, true, ',')).toBe('00:00:01,500');
    expect(formatTimestamp(-0.001)).toBe('00:00.000');
    expect(formatTimestamp(Number.NaN)).toBe('00:00.000');
  });
});
