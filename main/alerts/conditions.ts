/**
 * Each condition kind turns the metrics and signals of this moment into observations: per
 * label set, whether the condition holds and whether a firing alert may resolve
 * (hysteresis). A label set with no observation keeps its state: missing data is not a
 * recovery.
 */
import type { AlertCondition, ThresholdCondition } from '../core/config/sections/alerts';
import { formatMetricValue, metricByName } from '../monitoring/catalog';
import { seriesKey, type Labels, type LatestValue, type SeriesWindow } from '../monitoring/series';
import { degradation, detectLeak } from '../monitoring/trend';
import { compare, formatDuration, resolveThreshold, type KpiConfig } from './rules';

export interface Observation {
  labels: Labels;
  active: boolean;
  /** A firing alert resolves when this holds. */
  cleared: boolean;
  value: number | null;
  threshold: number | null;
  vars: Record<string, string>;
}

/** What rules read metrics through (the monitoring SeriesStore satisfies it). */
export interface MetricReader {
  latest(name: string, now: number, maxAgeMs: number, filter?: Labels): LatestValue[];
  window(name: string, from: number, to: number, filter?: Labels): SeriesWindow[];
}

export interface ExternalCondition {
  labels: Labels;
  active: boolean;
  detail: string;
}

/** Events and conditions fed from outside the metrics (config watch, errors, maintenance). */
export class SignalBook {
  configChange: { t: number; detail: string } | null = null;
  readonly systemErrors = new Map<string, { t: number; detail: string; count: number }>();
  /** rule id → dedup key → condition. */
  readonly external = new Map<string, Map<string, ExternalCondition>>();

  setExternal(ruleId: string, labels: Labels, active: boolean, detail: string): void {
    let m = this.external.get(ruleId);
    if (!m) this.external.set(ruleId, (m = new Map()));
    m.set(seriesKey(ruleId, labels), { labels: { ...labels }, active, detail });
  }
}

export interface ConditionInputs {
  now: number;
  metrics: MetricReader;
  kpi: KpiConfig;
  signals: SignalBook;
  /** Samples older than this are not "latest" (a stopped sampler is no data, not a value). */
  maxSampleAgeMs: number;
}

const fmt = (metric: string, v: number) => formatMetricValue(v, metricByName.get(metric)?.unit);

function reduce(points: number[], how: ThresholdCondition['aggregate']): number {
  switch (how) {
    case 'avg':
      return points.reduce((a, b) => a + b, 0) / points.length;
    case 'min':
      return Math.min(...points);
    case 'max':
      return Math.max(...points);
    case 'last':
      return points[points.length - 1]!;
  }
}

function threshold(c: ThresholdCondition, x: ConditionInputs): Observation[] {
  const limit = resolveThreshold(c.value, x.kpi);
  const clearAt = c.clear === undefined ? limit : resolveThreshold(c.clear, x.kpi);
  const values: Array<{ labels: Labels; v: number }> = c.window
    ? x.metrics
        .window(c.metric, x.now - c.window, x.now + 1, c.labels)
        .filter((w) => w.points.length && x.now - w.points[w.points.length - 1]!.t <= x.maxSampleAgeMs)
        .map((w) => ({ labels: w.labels, v: reduce(w.points.map((p) => p.v), c.aggregate) }))
    : x.metrics.latest(c.metric, x.now, x.maxSampleAgeMs, c.labels).map((l) => ({ labels: l.labels, v: l.v }));
  return values.map(({ labels, v }) => ({
    labels,
    active: compare(v, c.op, limit),
    cleared: !compare(v, c.op, clearAt),
    value: v,
    threshold: limit,
    vars: { ...labels, metric: c.metric, value: fmt(c.metric, v), threshold: fmt(c.metric, limit), detail: `${c.metric} = ${fmt(c.metric, v)}` },
  }));
}

export function evaluateCondition(ruleId: string, c: AlertCondition, x: ConditionInputs): Observation[] {
  switch (c.kind) {
    case 'threshold':
      return threshold(c, x);
    case 'any_of': {
      const merged = new Map<string, Observation[]>();
      for (const sub of c.conditions) {
        for (const o of threshold(sub, x)) {
          const k = seriesKey('', o.labels);
          merged.set(k, [...(merged.get(k) ?? []), o]);
        }
      }
      return [...merged.values()].map((obs) => {
        const hit = obs.find((o) => o.active);
        return { ...(hit ?? obs[0]!), active: !!hit, cleared: obs.every((o) => o.cleared) };
      });
    }
    case 'component_down': {
      const ups = x.metrics.latest('component_up', x.now, x.maxSampleAgeMs);
      return ups
        .filter((u) => (c.components ? c.components.includes(u.labels.component ?? '') : true) && !c.exclude.includes(u.labels.component ?? ''))
        .map((u) => ({
          labels: { component: u.labels.component ?? '' },
          active: u.v < 1,
          cleared: u.v >= 1,
          value: u.v,
          threshold: 1,
          vars: { component: u.labels.component ?? '', value: u.v < 1 ? 'down' : 'up', threshold: 'up', detail: u.v < 1 ? 'the health check reports it down' : 'up again' },
        }));
    }
    case 'leak_trend': {
      const out: Observation[] = [];
      for (const metric of c.metrics) {
        for (const w of x.metrics.window(metric, x.now - c.window, x.now + 1)) {
          const v = detectLeak(w.points, { minPoints: c.min_points, minSlopePerHour: c.min_slope_per_hour, minR2: c.min_r2, segments: c.segments });
          if (!v.enoughData) continue;
          const rate = `${fmt(metric, v.slopePerHour)}/h`;
          out.push({
            labels: { ...w.labels, metric },
            active: v.leaking,
            cleared: !v.leaking,
            value: v.slopePerHour,
            threshold: c.min_slope_per_hour,
            vars: { ...w.labels, metric, value: rate, threshold: `${fmt(metric, c.min_slope_per_hour)}/h`, detail: `${rate} over ${formatDuration(c.window)}; ${v.reason}` },
          });
        }
      }
      return out;
    }
    case 'degradation_trend': {
      return x.metrics.window(c.metric, x.now - c.recent - c.baseline, x.now + 1).flatMap((w) => {
        const d = degradation(w.points, x.now, c.recent, c.baseline, c.min_points);
        if (!d.enoughData) return [];
        const clearRatio = c.clear_ratio ?? c.ratio;
        return [
          {
            labels: w.labels,
            active: d.ratio > c.ratio,
            cleared: d.ratio <= clearRatio,
            value: d.recent,
            threshold: d.baseline * c.ratio,
            vars: { ...w.labels, metric: c.metric, value: fmt(c.metric, d.recent), threshold: fmt(c.metric, d.baseline), detail: `${((d.ratio - 1) * 100).toFixed(0)}% slower than the baseline` },
          },
        ];
      });
    }
    case 'config_changed': {
      const ch = x.signals.configChange;
      if (!ch) return [];
      const recent = x.now - ch.t < c.clear_after;
      return [{ labels: {}, active: recent, cleared: !recent, value: null, threshold: null, vars: { detail: ch.detail, value: '', threshold: '' } }];
    }
    case 'system_error':
      return [...x.signals.systemErrors.entries()]
        .filter(([source]) => !c.sources || c.sources.includes(source))
        .map(([source, e]) => {
          const recent = x.now - e.t < c.clear_after;
          return { labels: { source }, active: recent, cleared: !recent, value: e.count, threshold: null, vars: { source, detail: e.detail, value: String(e.count), threshold: '' } };
        });
    case 'maintenance_overdue':
      return [...(x.signals.external.get(ruleId)?.values() ?? [])].map((e) => ({
        labels: e.labels,
        active: e.active,
        cleared: !e.active,
        value: null,
        threshold: null,
        vars: { ...e.labels, detail: e.detail, value: '', threshold: '' },
      }));
  }
}

