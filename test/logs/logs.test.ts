import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoggerFactory } from '../../main/core/logger';
import { listLogFiles } from '../../main/logs/files';
import { LogReader } from '../../main/logs/reader';
import { LogRotator } from '../../main/logs/rotation';

let dir: string;
let logs: LoggerFactory;
let rotator: LogRotator;
let reader: LogReader;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxc-logs-'));
  logs = new LoggerFactory({ dir });
  rotator = new LogRotator({ dir, owned: () => logs.logFiles().keys(), reopen: (c) => logs.reopen(c) });
  reader = new LogReader(() => dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (file: string) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean);

describe('structured logs per component, rotated like logrotate', () => {
  it('each component writes JSON lines to <logs>/<component>.log', () => {
    logs.for('api').info({ route: '/health' }, 'served');
    logs.for('redis').warn('slow');
    const api = JSON.parse(lines('api.log')[0]!);
    expect(api).toMatchObject({ level: 30, component: 'api', route: '/health', msg: 'served' });
    expect(reader.components()).toEqual(['api', 'redis']);
  });

  it('a log over the size limit is renamed to <component>.<stamp>.log and the logger goes on in a fresh file', () => {
    const api = logs.for('api');
    for (let i = 0; i < 200; i++) api.info({ i }, 'x'.repeat(100));
    const small = logs.for('redis');
    small.info('tiny');
    const rotated = rotator.rotate({ maxBytes: 10_000 });
    expect(rotated.map((r) => [r.component, r.method])).toEqual([['api', 'rename']]);
    expect(rotated[0]!.to).toMatch(/api\.\d{8}T\d{9}Z\.log$/);
    expect(readFileSync(rotated[0]!.to, 'utf8').split('\n').filter(Boolean)).toHaveLength(200);
    api.info('after rotation');
    expect(lines('api.log').map((l) => JSON.parse(l).msg)).toEqual(['after rotation']);
    expect(lines('redis.log')).toHaveLength(1);
  });

  it('force rotates every non-empty log (logrotate -f); a file another process writes is copied and truncated', () => {
    logs.for('api').info('a');
    writeFileSync(join(dir, 'worker.log'), 'line from another process\n');
    const rotated = rotator.rotate({ maxBytes: 1e9, force: true });
    expect(rotated.map((r) => [r.component, r.method]).sort()).toEqual([['api', 'rename'], ['worker', 'copytruncate']]);
    expect(readFileSync(join(dir, 'worker.log'), 'utf8')).toBe('');
    expect(readFileSync(rotated.find((r) => r.component === 'worker')!.to, 'utf8')).toBe('line from another process\n');
  });

  it('deletes *.log files older than N days and keeps newer ones; a deleted live log is reopened', () => {
    const api = logs.for('api');
    api.info('old');
    writeFileSync(join(dir, 'api.20240101T000000000Z.log'), 'old rotation\n');
    writeFileSync(join(dir, 'jobs.log'), 'recent\n');
    const old = (Date.now() - 31 * 86_400_000) / 1000;
    utimesSync(join(dir, 'api.log'), old, old);
    utimesSync(join(dir, 'api.20240101T000000000Z.log'), old, old);
    const deleted = rotator.deleteOlderThan(30);
    expect(deleted.map((d) => d.path.split('/').pop()).sort()).toEqual(['api.20240101T000000000Z.log', 'api.log']);
    expect(existsSync(join(dir, 'jobs.log'))).toBe(true);
    api.info('new');
    expect(lines('api.log').map((l) => JSON.parse(l).msg)).toEqual(['new']);
  });
});

describe('log reader: last N lines and ERROR lines since the last scan', () => {
  it('tail returns the last N lines, continuing into the newest rotation', () => {
    const api = logs.for('api');
    for (let i = 0; i < 5; i++) api.info(`before ${i}`);
    rotator.rotate({ maxBytes: 0, force: true });
    for (let i = 0; i < 3; i++) api.info(`after ${i}`);
    expect(reader.tail('api', 2).map((l) => l.msg)).toEqual(['after 1', 'after 2']);
    expect(reader.tail('api', 5).map((l) => l.msg)).toEqual(['before 3', 'before 4', 'after 0', 'after 1', 'after 2']);
  });

  it('tail of an unknown component is a 404 naming the components that have logs; odd names are refused', () => {
    logs.for('api').info('x');
    expect(() => reader.tail('nope', 10)).toThrow(expect.objectContaining({ status: 404, hint: expect.stringContaining('api') }));
    expect(() => reader.tail('../etc/passwd', 10)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('finds pino error lines and plain-text ERROR lines, then only new ones on the next scan', async () => {
    const jobs = logs.for('jobs');
    jobs.info('fine');
    jobs.error({ job: 'j1' }, 'decode failed');
    appendFileSync(join(dir, 'worker.log'), 'INFO started\n2026-01-01 ERROR worker crashed: out of memory\n');
    const first = await reader.scanErrors({ sinceMs: Date.now() - 3_600_000, cursors: {}, maxLines: 100 });
    expect(first.count).toBe(2);
    expect(first.by_component).toEqual({ jobs: 1, worker: 1 });
    expect(first.lines.map((l) => l.msg ?? l.text)).toEqual(expect.arrayContaining(['decode failed', '2026-01-01 ERROR worker crashed: out of memory']));

    const quiet = await reader.scanErrors({ sinceMs: Date.now(), cursors: first.cursors, maxLines: 100 });
    expect(quiet.count).toBe(0);

    jobs.error('second failure');
    const again = await reader.scanErrors({ sinceMs: Date.now() - 1000, cursors: quiet.cursors, maxLines: 100 });
    expect(again.lines.map((l) => l.msg)).toEqual(['second failure']);
  });

  it('lines written before a rotation are not reported twice', async () => {
    const api = logs.for('api');
    api.error('once');
    const first = await reader.scanErrors({ sinceMs: Date.now() - 1000, cursors: {}, maxLines: 10 });
    rotator.rotate({ maxBytes: 0, force: true });
    const second = await reader.scanErrors({ sinceMs: Date.now() - 1000, cursors: first.cursors, maxLines: 10 });
    expect(first.count).toBe(1);
    expect(second.count).toBe(0);
    expect(listLogFiles(dir).filter((f) => f.rotated)).toHaveLength(1);
    expect(readdirSync(dir).length).toBe(2);
  });
});
