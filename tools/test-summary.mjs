// Adds up vitest's and Playwright's JSON reports (and failed static checks) into the one
// closing line CI reads: "tests: N passed, M failed". Exit 1 on any failure or missing report.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'test-results';
let passed = 0;
let failed = 0;
const problems = [];

const vitestFile = join(dir, 'vitest.json');
if (existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, 'utf8'));
  passed += v.numPassedTests ?? 0;
  failed += (v.numFailedTests ?? 0) + (v.numTodoTests ?? 0);
  // A file that fails to load has no tests but fails the run.
  for (const f of v.testResults ?? []) if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) { failed += 1; problems.push(`vitest file failed to run: ${f.name}`); }
} else {
  failed += 1;
  problems.push('vitest wrote no report');
}

const pwFile = join(dir, 'playwright.json');
if (existsSync(pwFile)) {
  const p = JSON.parse(readFileSync(pwFile, 'utf8'));
  const s = p.stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  for (const e of p.errors ?? []) { failed += 1; problems.push(`playwright: ${e.message?.split('\n')[0]}`); }
} else {
  failed += 1;
  problems.push('playwright wrote no report');
}

const checksFile = join(dir, 'checks.txt');
if (existsSync(checksFile)) {
  for (const line of readFileSync(checksFile, 'utf8').split('\n').filter(Boolean)) {
    const [name, result] = line.split(':');
    if (result !== 'pass') { failed += 1; problems.push(`check failed: ${name}`); }
  }
}

for (const p of problems) console.log(`! ${p}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
