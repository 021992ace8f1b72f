import { describe, expect, it } from 'vitest';
import { AlertRig, constant, shippedConfig } from './rig';

const GiB = 1024 ** 3;
const MB = 1024 * 1024;

/**
 * Every rule config.yml ships is driven through pending → firing → resolved on a synthetic
 * series, with its `for` time and its hysteresis band.
 */
const scenarios: Record<string, () => void> = {
  service_unavailable() {
    const rig = AlertRig.only('service_unavailable');
    rig.run(25, (rec) => {
      rec('component_up', { component: 'redis' }, 0);
      rec('component_up', { component: 'disk' }, 0); // excluded: the storage rule owns disks
    });
    expect(rig.kinds()).toEqual(['pending']);
    expect(rig.engine.open()[0]!.labels).toEqual({ component: 'redis' });
    rig.run(10, constant('component_up', { component: 'redis' }, 0));
    expect(rig.first('firing')!.atS - rig.first('pending')!.atS).toBe(30); // for: 30s
    expect(rig.first('firing')!.notify).toBe(true); // high → desktop notification
    expect(rig.first('firing')!.alert.message.en).toBe('redis is down: the health check reports it down');
    rig.run(5, constant('component_up', { component: 'redis' }, 1));
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },

  gpu_memory_exhausted() {
    const rig = AlertRig.only('gpu_memory_exhausted');
    rig.run(65, constant('gpu_memory_utilization_ratio', { gpu: '0' }, 0.97));
    expect(rig.first('firing')!.atS - rig.first('pending')!.atS).toBe(60); // for: 1m
    expect(rig.first('firing')!.alert.message.en).toBe('GPU 0 memory at 97.0% (limit 95.0%)');
    rig.run(60, constant('gpu_memory_utilization_ratio', { gpu: '0' }, 0.92)); // below 95%, above the 90% clear level
    expect(rig.openStates()).toEqual(['firing']);
    rig.run(5, constant('gpu_memory_utilization_ratio', { gpu: '0' }, 0.85));
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },

  gpu_lock_stuck() {
    const rig = AlertRig.only('gpu_lock_stuck');
    rig.run(400, (rec, s) => rec('gpu_lock_head_wait_seconds', { lock: 'gpu_lock:0' }, s));
    expect(rig.first('firing')!.atS).toBe(305); // first evaluation past 300 s of waiting
    rig.run(5, constant('gpu_lock_head_wait_seconds', { lock: 'gpu_lock:0' }, 0));
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },

  storage_insufficient() {
    const rig = AlertRig.only('storage_insufficient');
    rig.run(15, (rec) => {
      rec('disk_free_ratio', { path: 'temp' }, 0.03);
      rec('disk_free_bytes', { path: 'temp' }, 50 * GiB);
      rec('disk_free_ratio', { path: 'results' }, 0.5);
      rec('disk_free_bytes', { path: 'results' }, 0.5 * GiB); // under 1 GiB free
    });
    expect(rig.engine.open().map((a) => [a.labels.path, a.state]).sort()).toEqual([
      ['results', 'firing'],
      ['temp', 'firing'],
    ]);
    rig.run(30, (rec) => {
      rec('disk_free_ratio', { path: 'temp' }, 0.06); // above 5%, under the 7% clear level
      rec('disk_free_bytes', { path: 'temp' }, 50 * GiB);
      rec('disk_free_ratio', { path: 'results' }, 0.5);
      rec('disk_free_bytes', { path: 'results' }, 20 * GiB);
    });
    expect(rig.engine.open().map((a) => a.labels.path)).toEqual(['temp']);
    rig.run(5, (rec) => {
      rec('disk_free_ratio', { path: 'temp' }, 0.2);
      rec('disk_free_bytes', { path: 'temp' }, 50 * GiB);
    });
    expect(rig.engine.open()).toEqual([]);
  },

  system_error() {
    const rig = AlertRig.only('system_error');
    rig.signals.systemErrors.set('engine_crash', { t: rig.now, detail: 'inference worker exited with code 1', count: 1 });
    rig.evaluate();
    expect(rig.kinds()).toEqual(['pending', 'firing']); // for: 0s
    expect(rig.engine.open()[0]!.message.en).toBe('engine_crash: inference worker exited with code 1');
    rig.idle(14 * 60);
    expect(rig.openStates()).toEqual(['firing']);
    rig.idle(65);
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']); // 15 min without a new error
  },

  api_slow() {
    const rig = AlertRig.only('api_slow');
    rig.run(120, constant('api_request_duration_p95_seconds', { route: '/health' }, 3)); // one route: the rule reads route="all"
    expect(rig.kinds()).toEqual([]);
    rig.run(60, constant('api_request_duration_p95_seconds', { route: 'all' }, 1.5));
    expect(rig.kinds()).toEqual(['pending']);
    rig.run(5, constant('api_request_duration_p95_seconds', { route: 'all' }, 1.5));
    expect(rig.kinds()).toEqual(['pending', 'firing']); // for: 1m
    expect(rig.first('firing')!.notify).toBe(false); // medium: no desktop notification
    rig.run(60, constant('api_request_duration_p95_seconds', { route: 'all' }, 0.9)); // under 1 s, over the 0.8 s clear level
    expect(rig.openStates()).toEqual(['firing']);
    rig.run(5, constant('api_request_duration_p95_seconds', { route: 'all' }, 0.5));
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },

  success_rate_low() {
    const rig = AlertRig.only('success_rate_low');
    rig.run(305, constant('jobs_success_ratio', {}, 0.85));
    expect(rig.first('firing')!.atS - rig.first('pending')!.atS).toBe(300); // for: 5m
    rig.run(60, constant('jobs_success_ratio', {}, 0.93)); // above 90% but not back to the 95% KPI
    expect(rig.openStates()).toEqual(['firing']);
    rig.run(5, constant('jobs_success_ratio', {}, 0.97));
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },

  gpu_utilization_high() {
    const rig = AlertRig.only('gpu_utilization_high');
    rig.run(200, (rec, s) => rec('gpu_utilization_ratio', { gpu: '0' }, s % 4 < 2 ? 1 : 0.5)); // bursts average 75%
    expect(rig.kinds()).toEqual([]);
    rig.run(360, constant('gpu_utilization_ratio', { gpu: '0' }, 0.9));
    expect(rig.kinds()).toEqual(['pending', 'firing']);
    const pendingAt = rig.first('pending')!.atS;
    expect(rig.first('firing')!.atS - pendingAt).toBe(300); // sustained: for 5m
    rig.run(120, constant('gpu_utilization_ratio', { gpu: '0' }, 0.75));
    expect(rig.openStates()).toEqual(['firing']);
    rig.run(120, constant('gpu_utilization_ratio', { gpu: '0' }, 0.3));
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },

  memory_leak() {
    const rig = AlertRig.only('memory_leak');
    let rss = 300 * MB;
    // 40 minutes of steady growth (120 MB/h with allocator noise), then flat for 40 minutes
    rig.run(40 * 60, (rec, s) => rec('process_rss_bytes', {}, (rss = 300 * MB + (120 * MB * s) / 3600) + ((s * 7919) % 13) * 0.5 * MB), { evalS: 60 });
    expect(rig.first('firing')).toBeDefined();
    expect(rig.engine.open()[0]!.labels).toEqual({ metric: 'process_rss_bytes' });
    expect(rig.engine.open()[0]!.message.en).toMatch(/^process_rss_bytes rising steadily: 1\d\d MiB\/h over 30m/);
    rig.run(40 * 60, (rec, s) => rec('process_rss_bytes', {}, rss + ((s * 7919) % 13) * 0.5 * MB), { evalS: 60 });
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },

  performance_degradation() {
    const rig = AlertRig.only('performance_degradation');
    // a day at 1.0 s per audio minute, then an hour at 1.5 s: 50% slower than the baseline
    rig.run(24 * 3600, constant('jobs_seconds_per_audio_minute', {}, 1.0), { sampleS: 60, evalS: 60 });
    expect(rig.kinds()).toEqual([]);
    rig.run(3600, constant('jobs_seconds_per_audio_minute', {}, 1.5), { sampleS: 60, evalS: 60 });
    expect(rig.kinds()).toEqual(['pending', 'firing']);
    expect(rig.engine.open()[0]!.message.en).toBe('Processing takes 1.50 s/min per audio minute, baseline 1.00 s/min');
    rig.run(3600, constant('jobs_seconds_per_audio_minute', {}, 1.05), { sampleS: 60, evalS: 60 });
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },

  config_changed() {
    const rig = AlertRig.only('config_changed');
    rig.signals.configChange = { t: rig.now, detail: 'kpi, alerts (profile cpu)' };
    rig.evaluate();
    expect(rig.engine.open()[0]!.message.en).toBe('config.yml changed: kpi, alerts (profile cpu)');
    rig.idle(9 * 60);
    expect(rig.openStates()).toEqual(['firing']);
    rig.idle(65);
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']); // clear_after: 10m
  },

  maintenance_reminder() {
    const rig = AlertRig.only('maintenance_reminder');
    rig.signals.setExternal('maintenance_reminder', { checklist: 'daily' }, true, '2 item(s) overdue since 2026-01-01T08:00:00.000Z');
    rig.evaluate();
    expect(rig.engine.open()[0]!.message.en).toBe('The daily checklist is overdue: 2 item(s) overdue since 2026-01-01T08:00:00.000Z');
    rig.idle(3600); // no new signal: still overdue
    expect(rig.openStates()).toEqual(['firing']);
    rig.signals.setExternal('maintenance_reminder', { checklist: 'daily' }, false, 'up to date');
    rig.evaluate();
    expect(rig.kinds()).toEqual(['pending', 'firing', 'resolved']);
  },
};

describe('the alert rules config.yml ships fire and resolve', () => {
  it('has a scenario for every rule (and every severity of the manual)', () => {
    const rules = shippedConfig().alerts.rules;
    expect(Object.keys(scenarios).sort()).toEqual(rules.map((r) => r.id).sort());
    expect(new Set(rules.map((r) => r.severity))).toEqual(new Set(['high', 'medium', 'low']));
  });
  for (const [id, scenario] of Object.entries(scenarios)) it(id, scenario);
});

describe('lifecycle', () => {
  it('drops a pending alert whose condition stops before its `for` time', () => {
    const rig = AlertRig.only('api_slow');
    rig.run(30, constant('api_request_duration_p95_seconds', { route: 'all' }, 2));
    rig.run(5, constant('api_request_duration_p95_seconds', { route: 'all' }, 0.2));
    expect(rig.kinds()).toEqual(['pending', 'dropped']);
    rig.run(65, constant('api_request_duration_p95_seconds', { route: 'all' }, 2));
    expect(rig.kinds()).toEqual(['pending', 'dropped', 'pending', 'firing']);
  });

  it('keeps its state while the metric has no fresh samples (missing data is not recovery)', () => {
    const rig = AlertRig.only('gpu_memory_exhausted');
    rig.run(60, constant('gpu_memory_utilization_ratio', { gpu: '0' }, 0.99));
    rig.idle(600);
    expect(rig.openStates()).toEqual(['firing']);
  });

  it('deduplicates by rule + labels: one alert per GPU, the same id while it lasts', () => {
    const rig = AlertRig.only('gpu_memory_exhausted');
    rig.run(120, (rec) => {
      rec('gpu_memory_utilization_ratio', { gpu: '0' }, 0.99);
      rec('gpu_memory_utilization_ratio', { gpu: '1' }, 0.99);
    });
    const ids = rig.engine.open().map((a) => a.id);
    expect(ids).toHaveLength(2);
    expect(new Set(rig.transitions.map((t) => t.alert.id))).toEqual(new Set(ids));
    expect(ids.every((id) => /^alert_\d+$/.test(id))).toBe(true);
  });

  it('takes thresholds from the kpi section: raising the target there moves the rule', () => {
    const rig = AlertRig.only('api_slow');
    rig.kpi = { ...rig.kpi, api_response_time_s: { max: 2 } };
    rig.run(120, constant('api_request_duration_p95_seconds', { route: 'all' }, 1.5));
    expect(rig.kinds()).toEqual([]);
    rig.run(65, constant('api_request_duration_p95_seconds', { route: 'all' }, 2.5));
    expect(rig.first('firing')!.alert.threshold).toBe(2);
  });

  it('acknowledge keeps the alert open until the condition clears; resolve closes it at once', () => {
    const rig = AlertRig.only('gpu_memory_exhausted');
    rig.run(65, constant('gpu_memory_utilization_ratio', { gpu: '0' }, 0.99));
    const id = rig.engine.open()[0]!.id;
    expect(rig.engine.act(id, 'acknowledge', rig.now, { actor: 'ops' })!.alert.state).toBe('acknowledged');
    rig.run(30, constant('gpu_memory_utilization_ratio', { gpu: '0' }, 0.99));
    expect(rig.openStates()).toEqual(['acknowledged']);
    rig.run(5, constant('gpu_memory_utilization_ratio', { gpu: '0' }, 0.5));
    expect(rig.kinds().at(-1)).toBe('resolved');
    expect(rig.transitions.at(-1)!.alert.acknowledged_by).toBe('ops');
  });

  it('a silence holds back notifications of the same rule + labels, also when it fires again', () => {
    const rig = AlertRig.only('service_unavailable');
    rig.run(35, constant('component_up', { component: 'engine' }, 0));
    const id = rig.engine.open()[0]!.id;
    rig.engine.act(id, 'silence', rig.now, { actor: 'ops', durationS: 3600 });
    rig.run(5, constant('component_up', { component: 'engine' }, 1));
    rig.run(60, constant('component_up', { component: 'engine' }, 0));
    const firings = rig.transitions.filter((t) => t.kind === 'firing');
    expect(firings.map((f) => f.notify)).toEqual([true, false]);
    expect(firings[1]!.alert.id).not.toBe(id); // a new occurrence, a new id
    rig.run(5, constant('component_up', { component: 'engine' }, 1));
    rig.now += 3600_000;
    rig.run(60, constant('component_up', { component: 'engine' }, 0));
    expect(rig.transitions.filter((t) => t.kind === 'firing').map((f) => f.notify)).toEqual([true, false, true]);
  });

  it('resolves open alerts of a rule that was removed from config.yml', () => {
    const rig = AlertRig.only('api_slow');
    rig.run(60, constant('api_request_duration_p95_seconds', { route: 'all' }, 5));
    rig.rules = [];
    rig.evaluate();
    expect(rig.transitions.at(-1)!.alert.resolved_by).toBe('rule removed from config.yml');
  });
});
