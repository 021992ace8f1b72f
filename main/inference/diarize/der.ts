/**
 * Diarization error rate as NIST md-eval scores it: (missed + false alarm + confusion) /
 * scored reference speech, speaker time counted per speaker (overlap counts twice), no
 * scoring within ±collar of every reference turn boundary, and hypothesis speakers mapped
 * one-to-one to reference speakers to maximise their co-occurrence (Hungarian). RTTM I/O.
 */
import { ConsoleError } from '../../core/errors';
import { maximizeAssignment } from './assignment';
import type { SpeakerTurn } from './types';

export interface DerOptions {
  /** Seconds either side of each reference boundary not scored (0.25 default, as usual for md-eval). */
  collar?: number;
}

export interface DerResult {
  /** (missed + falseAlarm + confusion) / total; 0 when there is no scored reference speech and no hypothesis speech. */
  der: number;
  /** Seconds of speaker time. */
  total: number;
  missed: number;
  falseAlarm: number;
  confusion: number;
  correct: number;
  /** Hypothesis speaker → reference speaker it was mapped to. */
  mapping: Record<string, string>;
  referenceSpeakers: number;
  hypothesisSpeakers: number;
}

export const defaultDerCollar = 0.25;

interface Piece {
  duration: number;
  ref: number[];
  hyp: number[];
}

/** Speakers by first appearance, each with its turns merged into disjoint spans. */
function bySpeaker(turns: readonly SpeakerTurn[]): { names: string[]; spans: Array<Array<[number, number]>> } {
  const names: string[] = [];
  const raw = new Map<string, Array<[number, number]>>();
  for (const t of turns) {
    if (!(t.end > t.start)) continue;
    if (!raw.has(t.speaker)) {
      raw.set(t.speaker, []);
      names.push(t.speaker);
    }
    raw.get(t.speaker)!.push([t.start, t.end]);
  }
  return { names, spans: names.map((n) => mergeSpans(raw.get(n)!)) };
}

function mergeSpans(spans: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [s, e] of [...spans].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** The timeline cut at every boundary, with who is active in each scored piece. */
function pieces(ref: Array<Array<[number, number]>>, hyp: Array<Array<[number, number]>>, noScore: Array<[number, number]>): Piece[] {
  type Ev = { t: number; kind: 0 | 1 | 2; id: number; delta: 1 | -1 };
  const events: Ev[] = [];
  const add = (spans: Array<[number, number]>, kind: 0 | 1 | 2, id: number) => {
    for (const [s, e] of spans) events.push({ t: s, kind, id, delta: 1 }, { t: e, kind, id, delta: -1 });
  };
  ref.forEach((s, i) => add(s, 0, i));
  hyp.forEach((s, i) => add(s, 1, i));
  add(noScore, 2, 0);
  events.sort((a, b) => a.t - b.t);
  const refOn = new Set<number>();
  const hypOn = new Set<number>();
  let blocked = 0;
  const out: Piece[] = [];
  for (let i = 0; i < events.length; ) {
    const t = events[i]!.t;
    for (; i < events.length && events[i]!.t === t; i++) {
      const e = events[i]!;
      if (e.kind === 2) blocked += e.delta;
      else {
        const set = e.kind === 0 ? refOn : hypOn;
        if (e.delta > 0) set.add(e.id);
        else set.delete(e.id);
      }
    }
    const next = events[i]?.t;
    if (next === undefined || blocked > 0 || (!refOn.size && !hypOn.size)) continue;
    out.push({ duration: next - t, ref: [...refOn], hyp: [...hypOn] });
  }
  return out;
}

export function diarizationErrorRate(reference: readonly SpeakerTurn[], hypothesis: readonly SpeakerTurn[], opts: DerOptions = {}): DerResult {
  const collar = opts.collar ?? defaultDerCollar;
  const ref = bySpeaker(reference);
  const hyp = bySpeaker(hypothesis);
  const noScore: Array<[number, number]> =
    collar > 0 ? mergeSpans(ref.spans.flat().flatMap(([s, e]): Array<[number, number]> => [[s - collar, s + collar], [e - collar, e + collar]])) : [];
  const scored = pieces(ref.spans, hyp.spans, noScore);

  const cooccur = ref.names.map(() => new Float64Array(hyp.names.length));
  for (const p of scored) for (const r of p.ref) for (const h of p.hyp) cooccur[r]![h]! += p.duration;
  const hypToRef = new Int32Array(hyp.names.length).fill(-1);
  for (const [r, h] of maximizeAssignment(cooccur.map((row) => Array.from(row)))) if (cooccur[r]![h]! > 0) hypToRef[h] = r;

  let total = 0;
  let missed = 0;
  let falseAlarm = 0;
  let confusion = 0;
  let correct = 0;
  for (const p of scored) {
    const nRef = p.ref.length;
    const nHyp = p.hyp.length;
    let hits = 0;
    for (const h of p.hyp) if (hypToRef[h]! >= 0 && p.ref.includes(hypToRef[h]!)) hits++;
    total += p.duration * nRef;
    missed += p.duration * Math.max(0, nRef - nHyp);
    falseAlarm += p.duration * Math.max(0, nHyp - nRef);
    confusion += p.duration * (Math.min(nRef, nHyp) - hits);
    correct += p.duration * hits;
  }
  const errors = missed + falseAlarm + confusion;
  const mapping: Record<string, string> = {};
  hypToRef.forEach((r, h) => {
    if (r >= 0) mapping[hyp.names[h]!] = ref.names[r]!;
  });
  return {
    der: total > 0 ? errors / total : errors > 0 ? Infinity : 0,
    total,
    missed,
    falseAlarm,
    confusion,
    correct,
    mapping,
    referenceSpeakers: ref.names.length,
    hypothesisSpeakers: hyp.names.length,
  };
}

/** RTTM SPEAKER lines → turns per file id (other line types are skipped). */
export function parseRttm(text: string, source = 'RTTM'): Map<string, SpeakerTurn[]> {
  const files = new Map<string, SpeakerTurn[]>();
  text.split(/\r?\n/).forEach((line, i) => {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'SPEAKER') return;
    const start = Number(f[3]);
    const duration = Number(f[4]);
    const speaker = f[7];
    if (f.length < 8 || !Number.isFinite(start) || !Number.isFinite(duration) || duration < 0 || !speaker) {
      throw new ConsoleError('rttm_invalid', `${source} line ${i + 1} is not a valid SPEAKER line: ${line.trim()}`, {
        hint: 'Each line: SPEAKER <file> <channel> <start> <duration> <NA> <NA> <speaker> <NA> <NA>',
        status: 400,
        details: { line: i + 1 },
      });
    }
    const file = f[1]!;
    if (!files.has(file)) files.set(file, []);
    files.get(file)!.push({ start, end: start + duration, speaker });
  });
  return files;
}

export function formatRttm(fileId: string, turns: readonly SpeakerTurn[]): string {
  return turns.map((t) => `SPEAKER ${fileId} 1 ${t.start.toFixed(3)} ${(t.end - t.start).toFixed(3)} <NA> <NA> ${t.speaker} <NA> <NA>\n`).join('');
}
