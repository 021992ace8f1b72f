import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { ResultsIndex } from './ports';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface IndexProblem {
  job_id: string;
  path: string;
  problem: 'missing' | 'checksum_mismatch';
  expected?: string;
  actual?: string;
}

export interface IndexVerification {
  entries: number;
  files: number;
  problems: IndexProblem[];
  /** Files under the results folder no index entry names. */
  unindexed: string[];
}

function listFiles(dir: string, base = dir, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) listFiles(p, base, out);
    else if (st.isFile()) out.push(relative(base, p));
  }
  return out;
}

/**
 * Walks the results index: every file it names must exist under `resultsDir` (else the
 * entry dangles) and, with `checksums`, hash to the recorded sha256. `rebaseFrom`: the
 * live results folder, when `resultsDir` is a restored copy of it.
 */
export async function verifyResultsIndex(index: ResultsIndex, resultsDir: string, opts: { checksums: boolean; rebaseFrom?: string }): Promise<IndexVerification> {
  const problems: IndexProblem[] = [];
  const named = new Set<string>();
  let entries = 0;
  let files = 0;
  for await (const entry of index.entries()) {
    entries++;
    for (const f of entry.files) {
      files++;
      // The index names live paths; a restored copy is checked at the same place under its own root.
      let abs = isAbsolute(f.path) ? f.path : resolve(resultsDir, f.path);
      if (opts.rebaseFrom && isAbsolute(f.path)) {
        const rel = relative(opts.rebaseFrom, f.path);
        if (!rel.startsWith('..')) abs = resolve(resultsDir, rel);
      }
      named.add(relative(resultsDir, abs));
      if (!existsSync(abs)) {
        problems.push({ job_id: entry.jobId, path: abs, problem: 'missing' });
        continue;
      }
      if (opts.checksums) {
        const actual = await sha256File(abs);
        if (actual !== f.sha256.toLowerCase()) problems.push({ job_id: entry.jobId, path: abs, problem: 'checksum_mismatch', expected: f.sha256, actual });
      }
    }
  }
  const unindexed = listFiles(resultsDir).filter((p) => !named.has(p) && !p.split('/').some((seg) => seg.startsWith('.')));
  return { entries, files, problems, unindexed };
}
