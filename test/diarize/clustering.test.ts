import { describe, expect, it } from 'vitest';
import { maximizeAssignment } from '../../main/inference/diarize/assignment';
import { applyMerges, clusterEmbeddings, cosineDistanceMatrix, cutAtDistance, linkage, type Linkage } from '../../main/inference/diarize/clustering';
import { rng } from './tone-audio';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** `counts[c]` embeddings around each of len(counts) random unit directions in `dim` dimensions. */
function blobs(counts: number[], dim: number, noise: number, seed: number): { embeddings: Float32Array[]; truth: number[] } {
  const rand = rng(seed);
  const centres = counts.map(() => Float32Array.from({ length: dim }, () => gaussian(rand)));
  const embeddings: Float32Array[] = [];
  const truth: number[] = [];
  // Interleaved, as speakers alternate in a conversation.
  const left = [...counts];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n <= 0) return;
      left[c]!--;
      embeddings.push(centres[c]!.map((v) => v + noise * gaussian(rand)));
      truth.push(c);
    });
  }
  return { embeddings, truth };
}

/** Same partition up to renaming. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]!) ?? b[i]) !== b[i] || (ba.get(b[i]!) ?? a[i]) !== a[i]) return false;
    ab.set(a[i]!, b[i]!);
    ba.set(b[i]!, a[i]!);
  }
  return true;
}

/** The textbook O(n³) algorithm: merge the closest pair, recompute with the linkage's definition. */
function naiveMergeHeights(dist: Float64Array, n: number, method: Linkage): number[] {
  let clusters = Array.from({ length: n }, (_, i) => [i]);
  const heights: number[] = [];
  const between = (a: number[], b: number[]) => {
    const ds = a.flatMap((i) => b.map((j) => dist[i * n + j]!));
    return method === 'complete' ? Math.max(...ds) : ds.reduce((x, y) => x + y, 0) / ds.length;
  };
  while (clusters.length > 1) {
    let best = [0, 1, Infinity] as [number, number, number];
    for (let i = 0; i < clusters.length; i++) for (let j = i + 1; j < clusters.length; j++) {
      const d = between(clusters[i]!, clusters[j]!);
      if (d < best[2]) best = [i, j, d];
    }
    heights.push(best[2]);
    const merged = [...clusters[best[0]]!, ...clusters[best[1]]!];
    clusters = clusters.filter((_, k) => k !== best[0] && k !== best[1]);
    clusters.push(merged);
  }
  return heights.sort((a, b) => a - b);
}

describe('agglomerative clustering of speaker embeddings (cosine distance)', () => {
  for (const method of ['average', 'complete'] as const) {
    it(`${method} linkage: the nearest-neighbour chain gives the textbook dendrogram`, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const { embeddings } = blobs([7, 5, 6], 8, 0.8, seed);
        const n = embeddings.length;
        const merges = linkage(cosineDistanceMatrix(embeddings), n, method);
        const expected = naiveMergeHeights(cosineDistanceMatrix(embeddings), n, method);
        expect(merges.map((m) => m.distance)).toHaveLength(n - 1);
        merges.forEach((m, i) => expect(m.distance).toBeCloseTo(expected[i]!, 10));
      }
    });
  }

  it('cuts: at a distance (merges at or below it applied) and by count', () => {
    const merges = [
      { a: 0, b: 1, distance: 0.1 },
      { a: 2, b: 3, distance: 0.2 },
      { a: 1, b: 3, distance: 0.9 },
    ];
    expect(Array.from(cutAtDistance(merges, 4, 0.2))).toEqual([0, 0, 1, 1]);
    expect(Array.from(cutAtDistance(merges, 4, 0.15))).toEqual([0, 0, 1, 2]);
    expect(Array.from(applyMerges(merges, 4, 3))).toEqual([0, 0, 0, 0]);
    expect(Array.from(applyMerges(merges, 4, 0))).toEqual([0, 1, 2, 3]);
  });

  it('well-separated speakers come out as the right clusters with a threshold', () => {
    for (const method of ['average', 'complete'] as const) {
      const { embeddings, truth } = blobs([40, 25, 30], 32, 0.3, 11);
      const labels = clusterEmbeddings(embeddings, { linkage: method, threshold: 0.5, minClusterSize: 12 });
      expect(Math.max(...labels) + 1).toBe(3);
      expect(samePartition(labels, truth)).toBe(true);
    }
  });

  it('numClusters forces the number of speakers, both fewer and more than the threshold finds', () => {
    const { embeddings, truth } = blobs([30, 30, 30], 32, 0.3, 5);
    const two = clusterEmbeddings(embeddings, { linkage: 'average', threshold: 0.5, minClusterSize: 12, numClusters: 2 });
    expect(Math.max(...two) + 1).toBe(2);
    // Two of the true speakers merged, none split.
    for (let i = 0; i < truth.length; i++) for (let j = 0; j < truth.length; j++) if (truth[i] === truth[j]) expect(two[i]).toBe(two[j]);
    const one = clusterEmbeddings(embeddings, { linkage: 'average', threshold: 0.5, minClusterSize: 12, numClusters: 1 });
    expect(new Set(one).size).toBe(1);
    const { embeddings: two3 } = blobs([30, 30], 32, 0.3, 6);
    const four = clusterEmbeddings(two3, { linkage: 'average', threshold: 0.5, minClusterSize: 3, numClusters: 4 });
    expect(Math.max(...four) + 1).toBe(4);
  });

  it('min and max speakers bound the threshold result and leave it alone within bounds', () => {
    const { embeddings, truth } = blobs([30, 30, 30, 30], 32, 0.3, 9);
    const opts = { linkage: 'average' as const, threshold: 0.5, minClusterSize: 12 };
    expect(Math.max(...clusterEmbeddings(embeddings, { ...opts, maxClusters: 2 })) + 1).toBe(2);
    expect(Math.max(...clusterEmbeddings(embeddings, { ...opts, minClusters: 6 })) + 1).toBe(6);
    const within = clusterEmbeddings(embeddings, { ...opts, minClusters: 2, maxClusters: 5 });
    expect(samePartition(within, truth)).toBe(true);
  });

  it('clusters smaller than minClusterSize join the nearest large one', () => {
    // 40 + 40 around two speakers and 3 outliers near speaker 0: the outliers are not a speaker.
    const { embeddings, truth } = blobs([40, 40], 16, 0.2, 3);
    const rand = rng(99);
    for (let i = 0; i < 3; i++) {
      embeddings.push(embeddings[0]!.map((v) => v + 0.9 * gaussian(rand)));
      truth.push(0);
    }
    const labels = clusterEmbeddings(embeddings, { linkage: 'average', threshold: 0.15, minClusterSize: 12 });
    expect(Math.max(...labels) + 1).toBe(2);
    expect(samePartition(labels, truth)).toBe(true);
  });

  it('one or no embedding: one cluster, no clustering', () => {
    expect(Array.from(clusterEmbeddings([Float32Array.from([1, 0])], { linkage: 'average', threshold: 0.5, minClusterSize: 12 }))).toEqual([0]);
    expect(clusterEmbeddings([], { linkage: 'average', threshold: 0.5, minClusterSize: 12 })).toHaveLength(0);
  });
});

describe('optimal assignment (Hungarian)', () => {
  function bruteForce(score: number[][]): number {
    const rows = score.length;
    const cols = score[0]!.length;
    let best = -Infinity;
    const used = new Array<boolean>(cols).fill(false);
    const rec = (r: number, sum: number, paired: number) => {
      if (r === rows) {
        if (paired === Math.min(rows, cols)) best = Math.max(best, sum);
        return;
      }
      for (let c = 0; c < cols; c++) {
        if (used[c]) continue;
        used[c] = true;
        rec(r + 1, sum + score[r]![c]!, paired + 1);
        used[c] = false;
      }
      if (rows - r - 1 >= Math.min(rows, cols) - paired) rec(r + 1, sum, paired);
    };
    rec(0, 0, 0);
    return best;
  }

  it('matches brute force on random square and rectangular matrices', () => {
    const rand = rng(42);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(rand() * 5);
      const cols = 1 + Math.floor(rand() * 5);
      const score = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round(rand() * 20 - 5)));
      const pairs = maximizeAssignment(score);
      expect(pairs).toHaveLength(Math.min(rows, cols));
      expect(new Set(pairs.map((p) => p[0])).size).toBe(pairs.length);
      expect(new Set(pairs.map((p) => p[1])).size).toBe(pairs.length);
      expect(pairs.reduce((s, [r, c]) => s + score[r]![c]!, 0)).toBe(bruteForce(score));
    }
  });
});
