import { describe, expect, it } from 'vitest';
import { activeSegment, exportFileName, highlightParts, parseTranscript, searchSegments, speakerColor, speakersOf, transcriptText } from './transcript-view';

const json = JSON.stringify({
  segments: [
    { id: 0, start: 0.5, end: 2.0, text: ' gpu lock release', words: [{ word: 'gpu', start: 0.5, end: 0.9, speaker: 'SPEAKER_00' }] },
    { id: 1, start: 2.5, end: 4.0, text: ' restart the service', speaker: 'SPEAKER_01' },
    { id: 2, start: 6.0, end: 7.0, text: ' release release' },
  ],
  language: 'en',
});

describe('transcript view', () => {
  it('reads the JSON export', () => {
    const doc = parseTranscript(json);
    expect(doc.language).toBe('en');
    expect(doc.segments.map((s) => s.text)).toEqual(['gpu lock release', 'restart the service', 'release release']);
    expect(doc.segments[0]!.words).toHaveLength(1);
    expect(() => parseTranscript('{"text":"x"}')).toThrow(/segments/);
  });

  it('finds every match, case-insensitively, with ranges to highlight', () => {
    const doc = parseTranscript(json);
    expect(searchSegments(doc.segments, 'RELEASE')).toEqual([
      { index: 0, ranges: [[9, 16]] },
      { index: 2, ranges: [[0, 7], [8, 15]] },
    ]);
    expect(searchSegments(doc.segments, '  ')).toEqual([]);
    expect(highlightParts('gpu lock release', [[9, 16]])).toEqual([
      { text: 'gpu lock ', mark: false },
      { text: 'release', mark: true },
    ]);
  });

  it('follows the player: the segment at a time, none in long gaps', () => {
    const { segments } = parseTranscript(json);
    expect(activeSegment(segments, 0.1)).toBe(-1);
    expect(activeSegment(segments, 1.0)).toBe(0);
    expect(activeSegment(segments, 2.5)).toBe(1);
    expect(activeSegment(segments, 5.0)).toBe(-1);
    expect(activeSegment(segments, 6.5)).toBe(2);
  });

  it('copies as lines with start time and speaker', () => {
    const { segments } = parseTranscript(json);
    expect(transcriptText(segments.slice(0, 2), (s) => s.toFixed(1))).toBe('[0.5] gpu lock release\n[2.5] SPEAKER_01: restart the service');
    expect(speakersOf(segments)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
  });

  it('names exports after the input file', () => {
    expect(exportFileName('interview.m4a', 'srt')).toBe('interview.srt');
    expect(exportFileName('call.03.wav', 'vtt')).toBe('call.03.vtt');
  });

  it('gives each speaker its own colour, stable by sorted order, cycling past the palette', () => {
    const speakers = ['SPEAKER_00', 'SPEAKER_01', 'SPEAKER_02', 'SPEAKER_03', 'SPEAKER_04', 'SPEAKER_05'];
    expect(speakerColor('SPEAKER_00', speakers)).toBe('var(--spk1)');
    expect(speakerColor('SPEAKER_01', speakers)).toBe('var(--spk2)');
    expect(speakerColor('SPEAKER_05', speakers)).toBe('var(--spk1)');
    expect(speakerColor(undefined, speakers)).toBeUndefined();
    expect(new Set(speakers.slice(0, 5).map((s) => speakerColor(s, speakers))).size).toBe(5);
  });
});
