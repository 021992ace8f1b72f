import { describe, expect, it } from 'vitest';
import type { HealthReport } from '../../main/contract';
import { healthBadges } from './health-view';

const report = (over: Partial<HealthReport['components']> = {}): HealthReport => ({
  status: 'healthy',
  timestamp: '2026-01-01T00:00:00Z',
  version: '0',
  uptime_s: 1,
  failing: [],
  components: {
    disk: { status: 'up', message: 'fine' },
    redis: { status: 'up', message: 'PONG' },
    api: { status: 'up', message: 'ok' },
    engine: { status: 'up', message: 'ready' },
    ...over,
  },
});

describe('health badges', () => {
  it('orders known components first, then the rest', () => {
    const names = healthBadges(report({ gpu_lock: { status: 'up', message: 'free' } }), true).map((b) => b.name);
    expect(names).toEqual(['api', 'redis', 'engine', 'disk', 'gpu_lock']);
  });

  it('marks a down component as alert, with text as well as colour', () => {
    const b = healthBadges(report({ redis: { status: 'down', message: 'no PONG', hint: 'start it' } }), true).find((x) => x.name === 'redis')!;
    expect(b).toMatchObject({ tone: 'alert', label: 'down' });
    expect(b.title).toContain('no PONG');
    expect(b.title).toContain('start it');
  });

  it('shows unknown, not stale green, when the feed is closed', () => {
    expect(healthBadges(report(), false).every((b) => b.tone === 'unknown' && b.label === '?')).toBe(true);
  });

  it('shows placeholders before the first report', () => {
    expect(healthBadges(null, true).map((b) => b.tone)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
  });
});
