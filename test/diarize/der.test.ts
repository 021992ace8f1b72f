import { describe, expect, it } from 'vitest';
import { diarizationErrorRate, formatRttm, parseRttm } from '../../main/inference/diarize/der';
import type { SpeakerTurn } from '../../main/inference/diarize/types';

const t = (speaker: string, start: number, end: number): SpeakerTurn => ({ start, end, speaker });

describe('diarization error rate (md-eval style)', () => {
  const ref = [t('A', 0, 10), t('B', 10, 20)];

  it('a late speaker change is confusion: 2 s of 20 without collar', () => {
    const r = diarizationErrorRate(ref, [t('X', 0, 12), t('Y', 12, 20)], { collar: 0 });
    expect(r.total).toBeCloseTo(20, 9);
    expect(r.confusion).toBeCloseTo(2, 9);
    expect(r.missed).toBe(0);
    expect(r.falseAlarm).toBe(0);
    expect(r.der).toBeCloseTo(0.1, 9);
    expect(r.mapping).toEqual({ X: 'A', Y: 'B' });
  });

  it('the 0.25 s collar removes ±0.25 s around every reference boundary from scoring', () => {
    // Scored: [0.25, 9.75] and [10.25, 19.75] = 19 s; confusion [10.25, 12] = 1.75 s.
    const r = diarizationErrorRate(ref, [t('X', 0, 12), t('Y', 12, 20)]);
    expect(r.total).toBeCloseTo(19, 9);
    expect(r.confusion).toBeCloseTo(1.75, 9);
    expect(r.der).toBeCloseTo(1.75 / 19, 9);
    // Boundary errors inside the collar cost nothing.
    expect(diarizationErrorRate(ref, [t('X', 0.2, 10.2), t('Y', 10.2, 19.8)]).der).toBe(0);
    expect(diarizationErrorRate(ref, [t('X', 0.2, 10.2), t('Y', 10.2, 19.8)], { collar: 0 }).der).toBeCloseTo(0.6 / 20, 9);
  });

  it('hypothesis labels are mapped to reference labels: a permutation costs nothing', () => {
    const r = diarizationErrorRate([t('A', 0, 5), t('B', 5, 9), t('C', 9, 12), t('A', 12, 14)], [t('s2', 0, 5), t('s0', 5, 9), t('s1', 9, 12), t('s2', 12, 14)], { collar: 0 });
    expect(r.der).toBe(0);
    expect(r.mapping).toEqual({ s2: 'A', s0: 'B', s1: 'C' });
  });

  it('the mapping is optimal, not greedy', () => {
    // X overlaps A 5 s and B 4 s, Y overlaps A 4 s: X→B, Y→A (8 s together) beats X→A (5 s).
    const r = diarizationErrorRate([t('A', 0, 9), t('B', 9, 13)], [t('Y', 0, 4), t('X', 4, 13)], { collar: 0 });
    expect(r.mapping).toEqual({ X: 'B', Y: 'A' });
    expect(r.confusion).toBeCloseTo(5, 9);
    expect(r.der).toBeCloseTo(5 / 13, 9);
  });

  it('overlap counts per speaker: a missed overlapping speaker is missed speech, extra speech is false alarm', () => {
    // [0,5] A/X ok; [5,10] A+B vs X: 5 s missed; [10,15] B vs none: 5 s missed; [16,18] none vs Z: 2 s FA.
    const r = diarizationErrorRate([t('A', 0, 10), t('B', 5, 15)], [t('X', 0, 10), t('Z', 16, 18)], { collar: 0 });
    expect(r.total).toBeCloseTo(20, 9);
    expect(r.missed).toBeCloseTo(10, 9);
    expect(r.falseAlarm).toBeCloseTo(2, 9);
    expect(r.confusion).toBe(0);
    expect(r.der).toBeCloseTo(0.6, 9);
    // An extra hypothesis speaker over a single reference speaker is false alarm, not confusion.
    const fa = diarizationErrorRate([t('A', 0, 10)], [t('X', 0, 10), t('Y', 0, 4)], { collar: 0 });
    expect(fa.falseAlarm).toBeCloseTo(4, 9);
    expect(fa.der).toBeCloseTo(0.4, 9);
  });

  it('a speaker\'s own overlapping turns count once', () => {
    const r = diarizationErrorRate([t('A', 0, 10)], [t('X', 0, 6), t('X', 4, 10)], { collar: 0 });
    expect(r.der).toBe(0);
    expect(r.total).toBeCloseTo(10, 9);
  });

  it('no hypothesis at all: everything missed', () => {
    const r = diarizationErrorRate(ref, [], { collar: 0 });
    expect(r.der).toBe(1);
    expect(r.hypothesisSpeakers).toBe(0);
  });
});

describe('RTTM', () => {
  it('parses SPEAKER lines per file and formats turns back', () => {
    const text = 'SPEAKER conv1 1 0.500 2.250 <NA> <NA> alice <NA> <NA>\n;; comment\nSPEAKER conv1 1 3.000 1.000 <NA> <NA> bob <NA> <NA>\nSPEAKER conv2 1 0 1 <NA> <NA> carol <NA> <NA>\n';
    const files = parseRttm(text);
    expect([...files.keys()]).toEqual(['conv1', 'conv2']);
    expect(files.get('conv1')).toEqual([t('alice', 0.5, 2.75), t('bob', 3, 4)]);
    const out = formatRttm('conv1', files.get('conv1')!);
    expect(out).toBe('SPEAKER conv1 1 0.500 2.250 <NA> <NA> alice <NA> <NA>\nSPEAKER conv1 1 3.000 1.000 <NA> <NA> bob <NA> <NA>\n');
    expect(parseRttm(out).get('conv1')).toEqual(files.get('conv1'));
  });

  it('a malformed line is an error naming the line', () => {
    expect(() => parseRttm('SPEAKER f 1 0.5 x <NA> <NA> a', 'ref.rttm')).toThrow(/ref\.rttm line 1/);
  });
});
