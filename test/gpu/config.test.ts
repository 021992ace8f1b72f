import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../main/core/config/loader';
import { gpuSection } from '../../main/core/config/sections/gpu';
import { gpuLockSettings, gpuTelemetrySettings } from '../../main/gpu/options';

const shipped = fileURLToPath(new URL('../../config.yml', import.meta.url));

describe('gpu section of config.yml', () => {
  it('the shipped config.yml gives a 30 s lock TTL with a heartbeat every 10 s and 2 s telemetry', () => {
    const cfg = parseConfigText(readFileSync(shipped, 'utf8'), shipped);
    const lock = gpuLockSettings(cfg.gpu.lock);
    expect(lock).toMatchObject({ ttlMs: 30_000, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 10_000, staleCheckIntervalMs: 10_000, releaseStaleOnDeadPid: true });
    expect(lock.hostId.length).toBeGreaterThan(0);
    expect(gpuTelemetrySettings(cfg.gpu.telemetry)).toEqual({
      enabled: true,
      nvidiaSmiPath: 'nvidia-smi',
      intervalMs: 2000,
      timeoutMs: 5000,
      historySize: 300,
      queryComputeApps: true,
    });
    expect(cfg.gpu.device_count).toBeNull();
  });

  it('an empty section takes the same defaults', () => {
    expect(gpuSection.parse({})).toEqual(gpuSection.parse(parseConfigText(readFileSync(shipped, 'utf8'), shipped).gpu));
  });

  it('rejects a heartbeat that cannot keep the lock alive, and names the key', () => {
    const bad = gpuSection.safeParse({ lock: { ttl_ms: 3000, heartbeat_interval_ms: 3000 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toContain('lock.heartbeat_interval_ms');
    const slow = gpuSection.safeParse({ lock: { ttl_ms: 3000, heartbeat_interval_ms: 1000, heartbeat_timeout_ms: 2500 } });
    expect(slow.error!.issues.map((i) => i.path.join('.'))).toContain('lock.heartbeat_timeout_ms');
    const waiter = gpuSection.safeParse({ lock: { waiter_recheck_ms: 5000, waiter_ttl_ms: 4000 } });
    expect(waiter.error!.issues.map((i) => i.path.join('.'))).toContain('lock.waiter_ttl_ms');
    expect(gpuSection.safeParse({ lock: { ttl: 3000 } }).success).toBe(false); // typo: unknown key
  });
});
