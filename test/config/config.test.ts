import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, locateConfig, parseConfigText, resolveConfig, watchConfig, withProfile } from '../../main/core/config/loader';
import { ConsoleError } from '../../main/core/errors';
import { repoRoot } from '../helpers/console';

const shipped = readFileSync(join(repoRoot, 'config.yml'), 'utf8');

function configError(text: string): ConsoleError {
  try {
    parseConfigText(text, 'config.yml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConsoleError);
    return e as ConsoleError;
  }
  throw new Error('expected the config to be rejected');
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('config.yml as shipped', () => {
  const cfg = resolveConfig(parseConfigText(shipped, join(repoRoot, 'config.yml')), join(repoRoot, 'config.yml'), { dataDir: '/tmp/wxc-data' });

  it('binds the manual API address', () => {
    expect(cfg.server).toMatchObject({ host: '127.0.0.1', port: 8788 });
  });

  it('holds the manual three profiles with exactly its values', () => {
    expect(cfg.profiles.high_performance).toMatchObject({ batch_size: 8, faster_whisper_threads: 8, compute_type: 'float16' });
    expect(cfg.profiles.memory_limited).toMatchObject({ batch_size: 2, compute_type: 'int8', faster_whisper_threads: 4 });
    expect(cfg.profiles.cpu).toMatchObject({ device: 'cpu', batch_size: 1, use_faster_whisper: false });
  });

  it('loads every profile as the active one', () => {
    for (const name of ['high_performance', 'memory_limited', 'cpu']) {
      const p = withProfile(cfg, name);
      expect(p.active_profile).toBe(name);
      expect(p.profile).toEqual(cfg.profiles[name]);
      const text = shipped.replace(/^active_profile: .*$/m, `active_profile: ${name}`);
      expect(parseConfigText(text, 'config.yml').active_profile).toBe(name);
    }
  });

  it('holds the manual KPI thresholds', () => {
    expect(cfg.kpi).toEqual({
      api_response_time_s: { max: 1 },
      success_rate: { min: 0.95 },
      gpu_utilization: { max: 0.9 },
      memory_utilization: { max: 0.85 },
      seconds_per_audio_minute: { max: 2 },
      batch_efficiency: { min: 0.8 },
      error_rate: { max: 0.05 },
      retry_rate: { max: 0.1 },
    });
  });

  it('resolves data paths under the data dir and models beside the file', () => {
    expect(cfg.paths.results).toBe('/tmp/wxc-data/results');
    expect(cfg.paths.logs).toBe('/tmp/wxc-data/logs');
    expect(cfg.paths.models).toBe(join(repoRoot, 'models'));
  });
});

describe('bad config gives a named error', () => {
  it('an unknown key names the key path, the value and the line', () => {
    const text = shipped.replace('  port: 8788', '  port: 8788\n  prot: 9999');
    const e = configError(text);
    expect(e.code).toBe('config_invalid');
    expect(e.message).toContain('server.prot');
    expect(e.message).toContain('unknown key');
    expect(e.message).toContain('9999');
    expect(e.message).toContain(`config.yml:${lineOf(text, 'prot: 9999')}`);
  });

  it('a wrong type names the key, the value and the line', () => {
    const text = shipped.replace('    batch_size: 8', '    batch_size: eight');
    const e = configError(text);
    expect(e.message).toContain('profiles.high_performance.batch_size');
    expect(e.message).toContain('"eight"');
    expect(e.message).toContain(`config.yml:${lineOf(text, 'batch_size: eight')}`);
  });

  it('an out-of-range value is rejected', () => {
    const e = configError(shipped.replace('  port: 8788', '  port: 70000'));
    expect(e.message).toContain('server.port');
    expect(e.message).toContain('70000');
  });

  it('a compute type that does not exist is rejected', () => {
    const e = configError(shipped.replace('compute_type: int8', 'compute_type: int4'));
    expect(e.message).toContain('profiles.memory_limited.compute_type');
    expect(e.message).toContain('"int4"');
  });

  it('an active profile that is not defined is rejected', () => {
    const e = configError(shipped.replace(/^active_profile: .*$/m, 'active_profile: turbo'));
    expect(e.message).toContain('active_profile');
    expect(e.message).toContain('turbo');
  });

  it('a KPI threshold outside 0..1 for a ratio is rejected', () => {
    const e = configError(shipped.replace('success_rate: { min: 0.95 }', 'success_rate: { min: 95 }'));
    expect(e.message).toContain('kpi.success_rate.min');
  });

  it('broken YAML names the line', () => {
    const text = shipped.replace('  port: 8788', '  port: [8788');
    const e = configError(text);
    expect(e.message).toMatch(/YAML syntax/);
    expect(e.message).toMatch(/config\.yml:\d+/);
  });

  it('a duplicate key is rejected', () => {
    const e = configError(shipped.replace('  port: 8788', '  port: 8788\n  port: 8789'));
    expect(e.message).toMatch(/YAML syntax/);
  });

  it('an unreadable file says which file and how to choose another', () => {
    expect(() => loadConfig('/nonexistent/config.yml')).toThrow(/Cannot read configuration file \/nonexistent\/config.yml/);
  });

  it('an unknown --profile lists the profiles', () => {
    const cfg = resolveConfig(parseConfigText(shipped, 'c.yml'), '/x/c.yml', { dataDir: '/tmp/x' });
    expect(() => withProfile(cfg, 'fast')).toThrow(ConsoleError);
    try {
      withProfile(cfg, 'fast');
    } catch (e) {
      expect((e as ConsoleError).hint).toContain('high_performance, memory_limited, cpu');
    }
  });
});

describe('config location and data dir', () => {
  it('--config wins over WHISPERX_CONFIG, which wins over ./config.yml', () => {
    expect(locateConfig({ flag: 'a.yml', env: { WHISPERX_CONFIG: '/b.yml' }, cwd: '/w' })).toBe('/w/a.yml');
    expect(locateConfig({ env: { WHISPERX_CONFIG: '/b.yml' }, cwd: '/w' })).toBe('/b.yml');
    expect(locateConfig({ env: {}, cwd: repoRoot })).toBe(join(repoRoot, 'config.yml'));
  });

  it('--data-dir wins over WHISPERX_DATA_DIR, which wins over paths.data_dir', () => {
    const raw = parseConfigText(shipped.replace('data_dir: null', 'data_dir: /from/config'), '/x/c.yml');
    expect(resolveConfig(raw, '/x/c.yml', { dataDir: '/flag', env: { WHISPERX_DATA_DIR: '/env' } }).paths.data_dir).toBe('/flag');
    expect(resolveConfig(raw, '/x/c.yml', { env: { WHISPERX_DATA_DIR: '/env' } }).paths.data_dir).toBe('/env');
    expect(resolveConfig(raw, '/x/c.yml', { env: {} }).paths.data_dir).toBe('/from/config');
  });
});

describe('config watch', () => {
  it('emits the new config when the file changes, and an error (keeping the old one) when the change is bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxc-watch-'));
    const file = join(dir, 'config.yml');
    writeFileSync(file, shipped);
    const changes: string[] = [];
    const errors: string[] = [];
    const w = watchConfig(file, { dataDir: dir }, (c) => changes.push(c.active_profile), (e) => errors.push(e.message));
    try {
      writeFileSync(file, shipped.replace(/^active_profile: .*$/m, 'active_profile: memory_limited'));
      await expect.poll(() => changes, { timeout: 10_000 }).toEqual(['memory_limited']);
      writeFileSync(file, shipped.replace('  port: 8788', '  port: nope'));
      await expect.poll(() => errors.length, { timeout: 10_000 }).toBe(1);
      expect(errors[0]).toContain('server.port');
      expect(changes).toEqual(['memory_limited']);
    } finally {
      w.close();
    }
  });
});
