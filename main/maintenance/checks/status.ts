import { diskUsage, formatBytes } from '../../monitoring/disk';
import { describeError } from '../../core/errors';
import { memoryInfo } from '../system';
import { againstMax, worst, type Check, type CheckOutcome } from '../types';
import type { OpenAlert } from '../ports';
import type { CheckResult } from '../../contract/maintenance';

/** §2.1: every component of /health, the last log lines of each, GPU status. */
export const serviceStatus: Check = async (deps) => {
  const report = await deps.health.report();
  const cfg = deps.config();
  const components = Object.entries(report.components).map(([name, c]) => ({ name, status: c.status, message: c.message, ...(c.hint ? { hint: c.hint } : {}) }));
  const down = components.filter((c) => c.status === 'down');
  const degraded = components.filter((c) => c.status === 'degraded');
  const logTails: Record<string, string[]> = {};
  for (const component of deps.logs.components()) {
    logTails[component] = deps.logs.tail(component, cfg.maintenance.service_status.log_lines).map((l) => l.text);
  }
  const gpu = deps.ports.gpuTelemetry()?.latest() ?? null;
  const result: CheckResult = down.length ? 'fail' : degraded.length ? 'warn' : 'ok';
  return {
    result,
    summary: down.length
      ? `Down: ${down.map((c) => `${c.name} (${c.message})`).join('; ')}`
      : degraded.length
        ? `Degraded: ${degraded.map((c) => `${c.name} (${c.message})`).join('; ')}`
        : `All ${components.length} components up (${components.map((c) => c.name).join(', ')})`,
    details: { status: report.status, components, gpu: gpu ? { state: gpu.state, mode: gpu.mode, message: gpu.message, gpus: gpu.gpus } : 'GPU telemetry not installed', log_tails: logTails },
  };
};

/** §2.2: memory (`free -h`), disk (`df -h`), GPU, GPU lock health and Redis PING against the KPI thresholds. */
export const resources: Check = async (deps) => {
  const cfg = deps.config();
  const warnRatio = cfg.maintenance.warn_ratio;
  const findings: Array<{ what: string; result: CheckResult; text: string }> = [];

  const mem = memoryInfo();
  const memMax = cfg.kpi.memory_utilization.max;
  findings.push({ what: 'memory', result: againstMax(mem.utilization, memMax, warnRatio), text: `memory ${(mem.utilization * 100).toFixed(1)}% used (limit ${(memMax * 100).toFixed(0)}%), ${formatBytes(mem.available_bytes)} available` });

  const p = cfg.paths;
  const disks = diskUsage({ models: p.models, model_cache: p.model_cache, results: p.results, logs: p.logs, temp: p.temp, redis: `${p.data_dir}/redis` }, { minFreeGb: cfg.health.disk_min_free_gb, minFreePercent: cfg.health.disk_min_free_percent });
  for (const d of disks) {
    const tight = d.free_bytes < cfg.health.disk_min_free_gb * 1024 ** 3 / warnRatio || d.free_percent < cfg.health.disk_min_free_percent / warnRatio;
    const r: CheckResult = d.status === 'down' ? 'fail' : tight ? 'warn' : 'ok';
    if (r !== 'ok') findings.push({ what: `disk ${d.name}`, result: r, text: `${d.name} (${d.path}) ${formatBytes(d.free_bytes)} free, ${d.free_percent}%` });
  }
  if (!findings.some((f) => f.what.startsWith('disk'))) {
    const min = disks.reduce((m, d) => (d.free_bytes < m.free_bytes ? d : m), disks[0]!);
    findings.push({ what: 'disk', result: 'ok', text: `disk: ${formatBytes(min.free_bytes)} free on the fullest data path (${min.name})` });
  }

  const gpuSample = deps.ports.gpuTelemetry()?.latest() ?? null;
  if (gpuSample?.state === 'ok') {
    for (const g of gpuSample.gpus) {
      if (g.utilization_percent !== null) {
        const u = g.utilization_percent / 100;
        findings.push({ what: `gpu ${g.index} utilisation`, result: againstMax(u, cfg.kpi.gpu_utilization.max, warnRatio), text: `GPU ${g.index} ${g.utilization_percent}% busy (limit ${(cfg.kpi.gpu_utilization.max * 100).toFixed(0)}%)` });
      }
      if (g.memory_utilization !== null) {
        findings.push({ what: `gpu ${g.index} memory`, result: againstMax(g.memory_utilization, cfg.kpi.memory_utilization.max, warnRatio), text: `GPU ${g.index} memory ${g.memory_used_mib}/${g.memory_total_mib} MiB` });
      }
    }
  } else {
    findings.push({ what: 'gpu', result: 'ok', text: gpuSample ? `GPU: ${gpuSample.message}` : 'GPU telemetry not installed (CPU mode assumed)' });
  }

  const locks = deps.ports.gpuLocks();
  let lockHealth: unknown = 'GPU lock manager not installed';
  if (locks) {
    const h = await locks.health();
    lockHealth = h;
    findings.push({ what: 'gpu lock', result: h.status === 'healthy' ? 'ok' : h.status === 'degraded' ? 'warn' : 'fail', text: `GPU locks: ${h.message}` });
  }

  const ping = await deps.redis.ping();
  findings.push({ what: 'redis', result: ping.ok ? 'ok' : 'fail', text: ping.ok ? `Redis PONG in ${ping.latencyMs!.toFixed(1)} ms` : `Redis does not answer PING: ${ping.error}` });

  const result = worst(findings.map((f) => f.result));
  const bad = findings.filter((f) => f.result !== 'ok');
  return {
    result,
    summary: bad.length ? bad.map((f) => `${f.result.toUpperCase()} ${f.text}`).join('; ') : findings.map((f) => f.text).join('; '),
    details: { findings, memory: mem, disks, gpu: gpuSample, gpu_lock: lockHealth, redis: ping },
  };
};

function severityOf(a: OpenAlert): string {
  return a.severity.toLowerCase();
}

/** §6 daily "check alert status": open alerts from the alerts service. */
export const alertStatus: Check = async (deps): Promise<CheckOutcome> => {
  const alerts = deps.ports.alerts();
  if (!alerts?.current) {
    return { result: 'warn', summary: 'The alerts service is not installed, so alert status cannot be read', details: { available: false } };
  }
  let list: OpenAlert[];
  try {
    const got = await alerts.current();
    list = Array.isArray(got) ? got : got.alerts;
  } catch (e) {
    return { result: 'fail', summary: `Could not read the current alerts: ${describeError(e)}`, details: { available: true } };
  }
  const open = list.filter((a) => a.state !== 'resolved');
  // Pending = the condition holds but not yet for its `for` time: shown, not counted against the system.
  const unacked = open.filter((a) => a.state === 'firing');
  const highUnacked = unacked.filter((a) => severityOf(a) === 'high');
  const result: CheckResult = highUnacked.length ? 'fail' : unacked.length ? 'warn' : 'ok';
  const bySeverity: Record<string, number> = {};
  for (const a of open) bySeverity[severityOf(a)] = (bySeverity[severityOf(a)] ?? 0) + 1;
  return {
    result,
    summary: open.length
      ? `${open.length} open alert(s): ${Object.entries(bySeverity).map(([s, n]) => `${n} ${s}`).join(', ')}; ${unacked.length} firing and not acknowledged${highUnacked.length ? ` (${highUnacked.length} high: ${highUnacked.map((a) => a.rule_id ?? a.rule ?? a.id).join(', ')})` : ''}`
      : 'No open alerts',
    details: { open, by_severity: bySeverity, unacknowledged: unacked.map((a) => a.id) },
  };
};
