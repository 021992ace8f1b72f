/**
 * Agglomerative clustering of speaker embeddings with cosine distance (average or complete
 * linkage), cut at a distance threshold or at a number of clusters, as pyannote's
 * AgglomerativeClustering does: clusters smaller than minClusterSize are not speakers of
 * their own but join the nearest large cluster, and a requested number (or min / max) of
 * speakers picks the cut with that many large clusters. Unlike pyannote, when no cut has
 * that many, the request still holds (the cut into exactly that many clusters).
 *
 * Own implementation rather than ml-hclust: its agnes() is the naive O(n³) loop and it has
 * no "cut to k large clusters"; the nearest-neighbour chain below is O(n²) time and memory
 * for the ≤ maxClusteringEmbeddings (default 1000) embeddings the diarizer clusters.
 */

export type Linkage = 'average' | 'complete';

export interface ClusteringOptions {
  linkage: Linkage;
  /** Cosine distance (1 − cos) above which two clusters stay apart. */
  threshold: number;
  /** Exactly this many speakers (overrides threshold, min and max). */
  numClusters?: number;
  minClusters?: number;
  maxClusters?: number;
  /** Clusters with fewer members join the nearest larger one (capped at 10% of the embeddings, as pyannote). */
  minClusterSize: number;
}

/** One merge: two clusters (named by any of their leaves) joined at a distance. */
export interface Merge {
  a: number;
  b: number;
  distance: number;
}

export type Embedding = ArrayLike<number>;

function normalized(e: Embedding): Float64Array {
  let norm = 0;
  for (let i = 0; i < e.length; i++) norm += e[i]! * e[i]!;
  norm = Math.sqrt(norm) || 1;
  return Float64Array.from({ length: e.length }, (_, i) => e[i]! / norm);
}

export function cosineSimilarity(a: Embedding, b: Embedding): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Full n×n cosine distance matrix (row-major). */
export function cosineDistanceMatrix(embeddings: readonly Embedding[]): Float64Array {
  const n = embeddings.length;
  const unit = embeddings.map(normalized);
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let dot = 0;
      const a = unit[i]!;
      const b = unit[j]!;
      for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
      d[i * n + j] = d[j * n + i] = 1 - dot;
    }
  }
  return d;
}

/**
 * The dendrogram (n − 1 merges, by increasing distance) of a distance matrix, by the
 * nearest-neighbour chain with Lance–Williams updates (both linkages are reducible, so
 * sorting the chain's merges gives the same tree as the naive algorithm). `dist` is consumed.
 */
export function linkage(dist: Float64Array, n: number, method: Linkage): Merge[] {
  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const merges: Merge[] = [];
  const chain: number[] = [];
  let remaining = n;
  while (remaining > 1) {
    if (!chain.length) chain.push(active.indexOf(1));
    for (;;) {
      const a = chain[chain.length - 1]!;
      const prev = chain.length > 1 ? chain[chain.length - 2]! : -1;
      // Nearest active neighbour, preferring the chain's previous element on ties (termination).
      let best = prev;
      let bestD = prev >= 0 ? dist[a * n + prev]! : Infinity;
      for (let j = 0; j < n; j++) {
        if (j === a || !active[j]) continue;
        const dj = dist[a * n + j]!;
        if (dj < bestD) {
          bestD = dj;
          best = j;
        }
      }
      if (best === prev) break;
      chain.push(best);
    }
    const a = chain.pop()!;
    const b = chain.pop()!;
    merges.push({ a, b, distance: dist[a * n + b]! });
    // The merged cluster lives in slot b.
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === a || k === b) continue;
      const da = dist[a * n + k]!;
      const db = dist[b * n + k]!;
      const d = method === 'complete' ? Math.max(da, db) : (size[a]! * da + size[b]! * db) / (size[a]! + size[b]!);
      dist[b * n + k] = dist[k * n + b] = d;
    }
    size[b]! += size[a]!;
    active[a] = 0;
    remaining--;
  }
  return merges.sort((x, y) => x.distance - y.distance);
}

/** Flat labels 0..k−1 (numbered in order of first member) after applying the first `count` merges. */
export function applyMerges(merges: readonly Merge[], n: number, count: number): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (let m = 0; m < Math.min(count, merges.length); m++) {
    const ra = find(merges[m]!.a);
    const rb = find(merges[m]!.b);
    if (ra !== rb) parent[ra] = rb;
  }
  const labels = new Int32Array(n);
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    labels[i] = ids.get(r)!;
  }
  return labels;
}

/** Cut where every merge at or below the threshold is applied (scipy fcluster, criterion "distance"). */
export function cutAtDistance(merges: readonly Merge[], n: number, threshold: number): Int32Array {
  let count = 0;
  while (count < merges.length && merges[count]!.distance <= threshold) count++;
  return applyMerges(merges, n, count);
}

function clusterSizes(labels: Int32Array): number[] {
  const sizes: number[] = [];
  for (const l of labels) sizes[l] = (sizes[l] ?? 0) + 1;
  return sizes;
}

const countLarge = (labels: Int32Array, minSize: number) => clusterSizes(labels).filter((s) => s >= minSize).length;

/** Mean of the unit-length member embeddings of each cluster 0..k−1. */
export function clusterCentroids(embeddings: readonly Embedding[], labels: ArrayLike<number>, k: number): Float64Array[] {
  const dim = embeddings[0]?.length ?? 0;
  const sums = Array.from({ length: k }, () => new Float64Array(dim));
  const counts = new Float64Array(k);
  embeddings.forEach((e, i) => {
    const l = labels[i]!;
    if (l < 0 || l >= k) return;
    const u = normalized(e);
    for (let d = 0; d < dim; d++) sums[l]![d]! += u[d]!;
    counts[l]!++;
  });
  return sums.map((s, l) => s.map((v) => v / (counts[l] || 1)));
}

/** Small clusters join the large cluster with the nearest centroid; labels renumbered 0..k−1. */
function absorbSmallClusters(embeddings: readonly Embedding[], labels: Int32Array, minSize: number): Int32Array {
  const sizes = clusterSizes(labels);
  const large = sizes.flatMap((s, l) => (s >= minSize ? [l] : []));
  if (!large.length) return new Int32Array(labels.length);
  const centroids = clusterCentroids(embeddings, labels, sizes.length);
  const target = sizes.map((s, l) => {
    if (s >= minSize) return l;
    let best = large[0]!;
    let bestSim = -Infinity;
    for (const L of large) {
      const sim = cosineSimilarity(centroids[l]!, centroids[L]!);
      if (sim > bestSim) {
        bestSim = sim;
        best = L;
      }
    }
    return best;
  });
  const ids = new Map<number, number>();
  return labels.map((l) => {
    const t = target[l]!;
    if (!ids.has(t)) ids.set(t, ids.size);
    return ids.get(t)!;
  });
}

/** Cluster labels 0..k−1 for each embedding. */
export function clusterEmbeddings(embeddings: readonly Embedding[], opts: ClusteringOptions): Int32Array {
  const n = embeddings.length;
  if (n < 2) return new Int32Array(n);
  const minSize = Math.min(opts.minClusterSize, Math.max(1, Math.round(0.1 * n)));
  const maxClusters = Math.min(opts.numClusters ?? opts.maxClusters ?? n, n);
  const minClusters = Math.min(opts.numClusters ?? opts.minClusters ?? 1, maxClusters);
  if (maxClusters < 2) return new Int32Array(n);
  const merges = linkage(cosineDistanceMatrix(embeddings), n, opts.linkage);

  let labels = cutAtDistance(merges, n, opts.threshold);
  const found = countLarge(labels, minSize);
  const target = opts.numClusters ?? (found < minClusters ? minClusters : found > maxClusters ? maxClusters : null);
  if (target !== null && found !== target) {
    // Walk the cuts from `target` clusters upwards: the first with `target` large clusters
    // wins, else the one closest to it.
    let bestLabels = applyMerges(merges, n, n - target);
    let bestGap = Math.abs(countLarge(bestLabels, minSize) - target);
    for (let clusters = target + 1; clusters <= n && bestGap > 0; clusters++) {
      const cut = applyMerges(merges, n, n - clusters);
      const gap = Math.abs(countLarge(cut, minSize) - target);
      if (gap < bestGap) {
        bestGap = gap;
        bestLabels = cut;
      }
    }
    // No cut has that many large clusters (a speaker asked for who barely speaks): honour the
    // request with the cut into exactly that many clusters, small ones included.
    if (bestGap > 0) return applyMerges(merges, n, n - target);
    labels = bestLabels;
  }
  return absorbSmallClusters(embeddings, labels, minSize);
}
