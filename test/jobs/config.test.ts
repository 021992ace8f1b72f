import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../main/core/config/loader';
import { jobSettings } from '../../main/jobs/settings';
import { repoRoot } from '../helpers/console';

const shipped = readFileSync(join(repoRoot, 'config.yml'), 'utf8');

describe('config.yml jobs section', () => {
  it('ships the documented defaults: one job per device, 3 attempts with exponential backoff', () => {
    const cfg = parseConfigText(shipped, 'config.yml');
    expect(cfg.jobs).toMatchObject({ queue_name: 'transcriptions', local_worker: true, devices: null, concurrency_per_device: 1, attempts: 3 });
    expect(jobSettings(cfg.jobs)).toMatchObject({ backoff: { type: 'exponential', delay: 5000 }, heartbeatTtlMs: 15_000, lockDurationMs: 30_000 });
    expect(cfg.jobs.upload.allowed_extensions).toContain('wav');
  });

  it('names a misspelt key and a bad value with their line', () => {
    const typo = shipped.replace('  concurrency_per_device: 1', '  concurency_per_device: 1');
    expect(() => parseConfigText(typo, 'config.yml')).toThrow(/config\.yml:\d+:\d+: jobs\.concurency_per_device: unknown key/);
    const bad = shipped.replace('  attempts: 3 ', '  attempts: 0 ');
    expect(() => parseConfigText(bad, 'config.yml')).toThrow(/jobs\.attempts/);
  });
});
