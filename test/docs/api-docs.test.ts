import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routes } from '../../main/contract/routes';
import { repoRoot } from '../helpers/console';

describe('docs/api.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs/api.md'), 'utf8');
  it.each(Object.entries(routes).map(([name, r]) => [name, r.method, r.path] as const))('lists %s (%s %s)', (_name, method, path) => {
    expect(doc).toContain(`| ${method} | \`${path}\` |`);
  });
});
