import { describe, expect, it } from 'vitest';
import { notificationFor } from './notify';

describe('alert notifications', () => {
  it('speak the operator’s language and carry the de-duplication tag', () => {
    const n = { alert_id: 'alert_1', severity: 'high' as const, title: { en: 'Service unavailable', zh: '服务完全不可用' }, body: { en: 'redis is down', zh: 'redis 不可用' }, tag: 'service_unavailable|redis' };
    expect(notificationFor(n, 'zh')).toEqual({ title: '服务完全不可用', options: { body: 'redis 不可用', tag: 'service_unavailable|redis' } });
    expect(notificationFor(n, 'en').title).toBe('Service unavailable');
  });
});
