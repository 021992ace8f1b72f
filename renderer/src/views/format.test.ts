import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatClock, formatPercent, formatTimestamp, pickText } from './format';

describe('formatting', () => {
  it('picks a config-provided title in the current language', () => {
    const title = { en: 'Check service status', zh: '检查服务状态' };
    expect(pickText(title, 'zh')).toBe('检查服务状态');
    expect(pickText(title, 'en')).toBe('Check service status');
    expect(pickText('plain', 'zh')).toBe('plain');
    expect(pickText(null, 'en')).toBe('');
  });

  it('prints ETAs and durations as clocks', () => {
    expect(formatClock(42)).toBe('0:42');
    expect(formatClock(725)).toBe('12:05');
    expect(formatClock(3723)).toBe('1:02:03');
    expect(formatClock(null)).toBe('–');
  });

  it('prints transcript timestamps with tenths', () => {
    expect(formatTimestamp(65.38)).toBe('1:05.3');
    expect(formatTimestamp(0)).toBe('0:00.0');
  });

  it('prints sizes in binary units and ratios as percent', () => {
    expect(formatBytes(7.1 * 1024 ** 3, 'en')).toBe('7.1 GiB');
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatPercent(0.63, 'en')).toBe('63%');
    expect(formatPercent(null, 'en')).toBe('–');
  });

  it('prints ages from milliseconds', () => {
    expect(formatAge(850, 'en')).toBe('850 ms');
    expect(formatAge(12_000, 'en')).toBe('12 s');
    expect(formatAge(180_000, 'en')).toBe('3 min');
  });
});
