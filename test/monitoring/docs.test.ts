import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricCatalog } from '../../main/monitoring/catalog';
import { shippedConfig } from '../alerts/rig';
import { repoRoot } from '../helpers/console';

describe('docs/monitoring.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs/monitoring.md'), 'utf8');
  it('lists every series the samplers record, and every shipped alert rule', () => {
    expect(metricCatalog.map((m) => m.name).filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
    expect(shippedConfig().alerts.rules.map((r) => r.id).filter((id) => !doc.includes(`\`${id}\``))).toEqual([]);
  });
});
