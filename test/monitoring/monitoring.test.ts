import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KpisResponse, MetricsResponse, MetricsSnapshot } from '../../main/contract/monitoring';
import { loadConfig } from '../../main/core/config/loader';
import { startServer, type ConsoleServer } from '../../main/server';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { parseExposition, sample } from './exposition';

let redis: TestRedis;
let c: TestConsole;

/** A jobs wing stand-in: the jobs module publishes the real one under the same name. */
const jobStats = {
  snapshot: async () => ({
    success_rate: 0.97,
    error_rate: 0.03,
    retry_rate: 0.12,
    queue_depth: 4,
    active: 1,
    seconds_per_audio_minute: 1.4,
    batch_efficiency: 0.85,
    completed: 97,
    failed: 3,
  }),
};

beforeAll(async () => {
  redis = await startTestRedis();
  c = await startTestConsole({
    'redis.url': redis.url,
    'model.name': 'test-tiny-en',
    'monitoring.sample_interval_ms': 60_000, // the test samples by hand
    'alerts.evaluate_interval_ms': 600_000,
  });
  c.server.services.provide('jobStats', jobStats);
});

afterAll(async () => {
  await c?.cleanup();
  await redis?.cleanup();
});

const monitoring = () => c.server.services.require('monitoring');

describe('samplers and the metrics route', () => {
  it('records memory (as free -h), disk of every data path (as df -h), process, CPU and Redis', async () => {
    await monitoring().sampleOnce();
    const names = ['system_memory_total_bytes', 'system_memory_used_bytes', 'system_memory_available_bytes', 'disk_free_bytes', 'disk_total_bytes', 'process_rss_bytes', 'process_heap_used_bytes', 'system_load1', 'redis_up', 'redis_ping_seconds', 'redis_used_memory_bytes', 'redis_aof_enabled', 'redis_aof_last_write_ok', 'redis_rdb_last_save_timestamp_seconds', 'component_up', 'jobs_queue_depth'];
    const res = await c.fetch(`/api/v1/monitoring/metrics?names=${names.join(',')}&range=15m`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as MetricsResponse;
    const byName = (n: string) => body.series.filter((s) => s.name === n);
    for (const n of names) expect(byName(n).length, n).toBeGreaterThan(0);
    const total = byName('system_memory_total_bytes')[0]!.points.at(-1)![1];
    const used = byName('system_memory_used_bytes')[0]!.points.at(-1)![1];
    const available = byName('system_memory_available_bytes')[0]!.points.at(-1)![1];
    expect(used + available).toBeCloseTo(total, -3);
    expect(byName('disk_free_bytes').map((s) => s.labels.path).sort()).toEqual(['logs', 'model_cache', 'models', 'results', 'temp']);
    expect(byName('redis_up')[0]!.points.at(-1)![1]).toBe(1);
    expect(byName('redis_aof_enabled')[0]!.points.at(-1)![1]).toBe(1); // the test Redis runs with AOF
    expect(byName('component_up').map((s) => s.labels.component)).toEqual(expect.arrayContaining(['api', 'redis', 'disk', 'engine']));
    expect(byName('jobs_queue_depth')[0]!.points.at(-1)![1]).toBe(4);
    expect(body.available).toContain('process_rss_bytes');
  });

  it('rejects a malformed range with a readable 400', async () => {
    const res = await c.fetch('/api/v1/monitoring/metrics?names=system_load1&range=soon');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/range/);
  });
});

describe('KPIs', () => {
  it("gives the manual's eight KPIs with value, threshold from config.yml and state", async () => {
    for (let i = 0; i < 5; i++) await c.fetch('/health');
    await monitoring().sampleOnce();
    const res = await c.fetch('/api/v1/monitoring/kpis');
    const { kpis } = (await res.json()) as KpisResponse;
    expect(kpis.map((k) => k.key)).toEqual(['api_response_time_s', 'success_rate', 'gpu_utilization', 'memory_utilization', 'seconds_per_audio_minute', 'batch_efficiency', 'error_rate', 'retry_rate']);
    const k = Object.fromEntries(kpis.map((x) => [x.key, x]));
    expect(k.success_rate).toMatchObject({ value: 0.97, threshold: { bound: 'min', value: 0.95 }, state: 'ok', display: '97.0%' });
    expect(k.retry_rate).toMatchObject({ value: 0.12, threshold: { bound: 'max', value: 0.1 }, state: 'warn' });
    expect(k.seconds_per_audio_minute).toMatchObject({ value: 1.4, threshold: { bound: 'max', value: 2 }, state: 'ok' });
    expect(k.gpu_utilization).toMatchObject({ value: null, state: 'unknown' }); // no GPU on this machine
    expect(k.api_response_time_s!.value).toBeGreaterThan(0);
    expect(k.api_response_time_s!.state).toBe('ok');
    expect(k.memory_utilization!.threshold).toEqual({ bound: 'max', value: 0.85 });
  });
});

describe('Prometheus exposition at /metrics', () => {
  it('parses as text format and includes the KPIs, job ratios and process metrics', async () => {
    await monitoring().sampleOnce();
    const res = await c.fetch('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const fams = parseExposition(await res.text());
    expect(fams.get('whisperx_api_request_duration_seconds')!.type).toBe('histogram');
    expect(fams.get('whisperx_jobs_success_ratio')!.type).toBe('gauge');
    expect(sample(fams, 'whisperx_jobs_success_ratio')).toBe(0.97);
    expect(sample(fams, 'whisperx_kpi_value', { kpi: 'batch_efficiency' })).toBe(0.85);
    expect(sample(fams, 'whisperx_kpi_threshold', { kpi: 'error_rate', bound: 'max' })).toBe(0.05);
    expect(sample(fams, 'whisperx_kpi_state', { kpi: 'retry_rate', state: 'warn' })).toBe(1);
    expect(sample(fams, 'whisperx_kpi_state', { kpi: 'retry_rate', state: 'ok' })).toBe(0);
    expect(sample(fams, 'whisperx_disk_free_bytes', { path: 'results' })).toBeGreaterThan(0);
    expect(sample(fams, 'whisperx_redis_up')).toBe(1);
    expect(sample(fams, 'whisperx_alerts_open', { severity: 'high', state: 'firing' })).toBe(0);
    expect(fams.has('whisperx_process_cpu_seconds_total')).toBe(true);
    // no data, no series: a GPU-less machine has no GPU gauge values
    expect(fams.get('whisperx_gpu_utilization_ratio')!.samples).toEqual([]);
  });

  it('the latency histogram counts real requests by route, method and status', async () => {
    const labels = { route: '/api/v1/model/info', method: 'GET', status: '200' };
    const before = sample(parseExposition(await (await c.fetch('/metrics')).text()), 'whisperx_api_request_duration_seconds_count', labels) ?? 0;
    for (let i = 0; i < 7; i++) expect((await c.fetch('/api/v1/model/info')).status).toBe(200);
    await c.fetch('/api/v1/nope');
    const fams = parseExposition(await (await c.fetch('/metrics')).text());
    expect(sample(fams, 'whisperx_api_request_duration_seconds_count', labels)).toBe(before + 7);
    expect(sample(fams, 'whisperx_api_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(before + 7);
    expect(sample(fams, 'whisperx_api_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
    expect(sample(fams, 'whisperx_api_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBe(1);
    // the live feed is one long request: it is left out
    expect(sample(fams, 'whisperx_api_request_duration_seconds_count', { route: '/api/v1/events' })).toBeUndefined();

    await monitoring().sampleOnce();
    const q = (await (await c.fetch('/api/v1/monitoring/metrics?names=api_request_duration_p95_seconds,api_requests_per_second&range=5m')).json()) as MetricsResponse;
    const routes = q.series.filter((s) => s.name === 'api_request_duration_p95_seconds').map((s) => s.labels.route);
    expect(routes).toEqual(expect.arrayContaining(['/api/v1/model/info', '/health', 'all']));
  });
});

describe('live feed and GPU telemetry', () => {
  it('publishes the latest values and the KPIs as a `metrics` event while someone listens', async () => {
    const event = await new Promise<MetricsSnapshot>((resolve) => {
      const off = c.server.bus.subscribe((e) => {
        if (e.type !== 'metrics') return;
        off();
        resolve(e.data);
      });
    });
    expect(event.kpis).toHaveLength(8);
    expect(event.values.find((v) => v.name === 'process_rss_bytes')!.value).toBeGreaterThan(1024 * 1024);
  });

  it('reads the GPU wing through its services: telemetry per GPU and GPU-lock waiters', async () => {
    const gpu = { index: 0, name: 'NVIDIA RTX 3060', uuid: 'GPU-1', utilization_percent: 88, memory_used_mib: 11_800, memory_total_mib: 12_288, memory_utilization: 11_800 / 12_288, temperature_c: 71, power_draw_w: 150, processes: [] };
    c.server.services.provide('gpuTelemetry', { latest: () => ({ timestamp: new Date().toISOString(), state: 'ok', mode: 'gpu', message: '1 GPU', gpus: [gpu], warnings: [] }) } as never);
    const waiter = { position: 1, host: 'h', pid: 1, job_id: 'j1', enqueued_at: new Date().toISOString(), waiting_ms: 42_000, ticket_expires_in_ms: 5_000 };
    c.server.services.provide('gpuLocks', {
      health: async () => ({ status: 'healthy', message: '', timestamp: '', ttl_ms: 30_000, heartbeat_interval_ms: 10_000, release_stale_on_dead_pid: true, locks: [{ lock_key: 'gpu_lock:0', holder: {}, waiters: { count: 1, list: [waiter] } }] }),
    } as never);
    await monitoring().sampleOnce();
    const fams = parseExposition(await (await c.fetch('/metrics')).text());
    expect(sample(fams, 'whisperx_gpu_utilization_ratio', { gpu: '0' })).toBe(0.88);
    expect(sample(fams, 'whisperx_gpu_memory_used_bytes', { gpu: '0' })).toBe(11_800 * 1024 * 1024);
    expect(sample(fams, 'whisperx_gpu_lock_waiters', { lock: 'gpu_lock:0' })).toBe(1);
    expect(sample(fams, 'whisperx_gpu_lock_head_wait_seconds', { lock: 'gpu_lock:0' })).toBe(42);
    const { kpis } = (await (await c.fetch('/api/v1/monitoring/kpis')).json()) as KpisResponse;
    expect(kpis.find((k) => k.key === 'gpu_utilization')).toMatchObject({ value: 0.88, state: 'ok' });
  });
});

describe('history across a restart', () => {
  it('the coarse series are kept in Redis, so the charts keep their day', async () => {
    const m = monitoring();
    const now = Date.now();
    // ten minutes of per-minute points from before this process started
    for (let i = 10; i >= 1; i--) m.record('redis_connected_clients', { probe: 'restart' }, i, now - i * 60_000);
    await m.sampleOnce();
    await c.server.close();

    let second: ConsoleServer | undefined;
    try {
      second = await startServer({ config: loadConfig(c.configFile), port: 0, watchConfig: false });
      const res = await fetch(`${second.url}/api/v1/monitoring/metrics?names=redis_connected_clients&range=1h`);
      const body = (await res.json()) as MetricsResponse;
      const probe = body.series.find((s) => s.labels.probe === 'restart')!;
      expect(probe.points.map((p) => p[1])).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2]); // the newest minute was still open
    } finally {
      await second?.close();
      rmSync(c.dir, { recursive: true, force: true });
      c = await startTestConsole({ 'redis.url': redis.url, 'model.name': 'test-tiny-en' });
    }
  });
});
