import { describe, expect, it } from 'vitest';
import { inheritShortRuns, splitIntoRuns } from '../../main/inference/diarize/pipeline';

/** [frames][speakers] from one string per speaker ('1' active). */
const matrix = (...rows: string[]) => {
  const frames = rows[0]!.length;
  const a = new Uint8Array(frames * rows.length);
  rows.forEach((r, s) => [...r].forEach((c, i) => (a[i * rows.length + s] = c === '1' ? 1 : 0)));
  return a;
};
const column = (a: Uint8Array, frames: number, cols: number, k: number) => Array.from({ length: frames }, (_, i) => a[i * cols + k]).join('');

describe('per-run embeddings: local speakers split into runs', () => {
  it('splits each local speaker at gaps longer than maxGap, keeps shorter gaps inside a run', () => {
    const a = matrix('1100001110011', '0001100000000');
    const r = splitIntoRuns(a, 13, 2, 2);
    expect(r.numLocal).toBe(3);
    expect([0, 1, 2].map((k) => column(r.activity, 13, 3, k))).toEqual(['1100000000000', '0000001110011', '0001100000000']);
    expect(r.runs).toEqual([{ speaker: 0, from: 0 }, { speaker: 0, from: 6 }, { speaker: 1, from: 3 }]);
  });

  it('no speech: no runs', () => {
    expect(splitIntoRuns(new Uint8Array(20), 10, 2, 3)).toMatchObject({ numLocal: 0, runs: [] });
  });

  it('a run too short to embed takes the cluster of the nearest run of the same local speaker', () => {
    const runs = [{ speaker: 0, from: 0 }, { speaker: 0, from: 50 }, { speaker: 1, from: 10 }, { speaker: 0, from: 300 }, { speaker: 2, from: 5 }];
    const mapped = inheritShortRuns(Int32Array.from([3, -1, 1, 0, -1]), runs);
    // run 1 (from 50): nearest same-speaker run is run 0 (from 0) → 3; run 4 has no sibling → none
    expect(Array.from(mapped)).toEqual([3, 3, 1, 0, -1]);
  });
});
