/**
 * Drives the alert engine over synthetic metric series with a clock the test steps: no
 * sleeps, hours of simulated time in milliseconds.
 */
import { join } from 'node:path';
import { loadConfig, type ConsoleConfig } from '../../main/core/config/loader';
import { SignalBook } from '../../main/alerts/conditions';
import { AlertEngine, type Transition } from '../../main/alerts/engine';
import type { AlertRule, KpiConfig } from '../../main/alerts/rules';
import { SeriesStore, type Labels } from '../../main/monitoring/series';
import { repoRoot } from '../helpers/console';

export const t0 = Date.UTC(2026, 0, 1, 8, 0, 0);

let cached: ConsoleConfig | undefined;
/** The repository's config.yml: the rules and KPI thresholds operators ship with. */
export function shippedConfig(): ConsoleConfig {
  cached ??= loadConfig(join(repoRoot, 'config.yml'));
  return cached;
}

export type Feed = (record: (name: string, labels: Labels, v: number) => void, elapsedS: number) => void;

export class AlertRig {
  readonly store = new SeriesStore({ finePoints: 3_600, coarseStepMs: 60_000, coarsePoints: 1_440 });
  readonly signals = new SignalBook();
  readonly engine = new AlertEngine({ notifySeverities: () => ['high'] });
  readonly transitions: Array<Transition & { atS: number }> = [];
  now = t0;
  kpi: KpiConfig;
  rules: AlertRule[];

  constructor(rules?: AlertRule[], kpi?: KpiConfig) {
    this.rules = rules ?? shippedConfig().alerts.rules;
    this.kpi = kpi ?? shippedConfig().kpi;
  }

  static only(ruleId: string): AlertRig {
    const rule = shippedConfig().alerts.rules.find((r) => r.id === ruleId);
    if (!rule) throw new Error(`config.yml has no rule ${ruleId}`);
    return new AlertRig([rule]);
  }

  get elapsedS(): number {
    return (this.now - t0) / 1000;
  }

  evaluate(): Transition[] {
    const out = this.engine.evaluate(this.rules, { now: this.now, metrics: this.store, kpi: this.kpi, signals: this.signals, maxSampleAgeMs: 5_000 });
    this.transitions.push(...out.map((t) => ({ ...t, atS: this.elapsedS })));
    return out;
  }

  /** Advances `seconds`, sampling `feed` every sampleS and evaluating every evalS. */
  run(seconds: number, feed: Feed, o: { sampleS?: number; evalS?: number } = {}): this {
    const sampleS = o.sampleS ?? 1;
    const evalS = o.evalS ?? 5;
    const end = this.now + seconds * 1000;
    while (this.now < end) {
      this.now += sampleS * 1000;
      feed((name, labels, v) => this.store.record(name, labels, v, this.now), this.elapsedS);
      if (Math.round(this.elapsedS) % evalS === 0) this.evaluate();
    }
    return this;
  }

  /** Advances the clock without samples (a stopped sampler). */
  idle(seconds: number, evalS = 5): this {
    const end = this.now + seconds * 1000;
    while (this.now < end) {
      this.now += evalS * 1000;
      this.evaluate();
    }
    return this;
  }

  /** Kinds of transitions so far, e.g. ['pending', 'firing', 'resolved']. */
  kinds(): string[] {
    return this.transitions.map((t) => t.kind);
  }

  first(kind: string): (Transition & { atS: number }) | undefined {
    return this.transitions.find((t) => t.kind === kind);
  }

  openStates(): string[] {
    return this.engine.open().map((a) => a.state);
  }
}

export const constant =
  (name: string, labels: Labels, v: number): Feed =>
  (rec) =>
    rec(name, labels, v);
