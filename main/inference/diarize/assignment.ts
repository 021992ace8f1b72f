/**
 * Optimal one-to-one assignment (Hungarian / Kuhn–Munkres, O(n³)) on a rectangular score
 * matrix: used to map a window's local speakers to global clusters without two of them
 * sharing one, and to map hypothesis to reference speakers when scoring DER.
 */

/**
 * Pairs (row, col), each row and each column used at most once, maximising the summed score.
 * With more rows than columns some rows stay unpaired (and vice versa).
 */
export function maximizeAssignment(score: readonly (readonly number[])[]): Array<[row: number, col: number]> {
  const rows = score.length;
  const cols = rows ? score[0]!.length : 0;
  if (!rows || !cols) return [];
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  let max = -Infinity;
  for (const row of score) for (const v of row) max = Math.max(max, v);
  // Minimise cost = max - score over an n×m matrix with n <= m (e-maxx's potentials form).
  const cost = (i: number, j: number) => max - (transpose ? score[j]![i]! : score[i]![j]!);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0);
  }
  const pairs: Array<[number, number]> = [];
  for (let j = 1; j <= m; j++) {
    if (!p[j]) continue;
    pairs.push(transpose ? [j - 1, p[j]! - 1] : [p[j]! - 1, j - 1]);
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}
