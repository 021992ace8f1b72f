/**
 * AlertsService: evaluates the rules of config.yml on an interval, keeps the lifecycle
 * (engine.ts), persists every change (store.ts), puts each transition on the live feed and
 * raises desktop notifications. Other wings feed it conditions: maintenance (overdue
 * checklists), the config watch, system errors.
 */
import type { LiveEventMap } from '../contract/events';
import type { AlertActionResult, AlertHistoryResponse, AlertRecord, AlertSeverity, AlertsResponse } from '../contract/alerts';
import type { alertHistoryQuery, alertRulesResponse } from '../contract/alerts';
import { ConsoleError, describeError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import type { Labels } from '../monitoring/series';
import { SignalBook, type MetricReader } from './conditions';
import { AlertEngine, dedupKey, type AlertAction, type Transition } from './engine';
import { describeCondition, type AlertRule, type KpiConfig } from './rules';
import type { AlertStore } from './store';
import type { z } from 'zod';

export interface AlertsSettings {
  enabled: boolean;
  rules: readonly AlertRule[];
  notify: readonly AlertSeverity[];
  evaluateIntervalMs: number;
}

export type AlertEmitter = <K extends 'alert' | 'alert.notification'>(type: K, data: LiveEventMap[K]) => void;

export interface AlertsServiceOptions {
  store: AlertStore;
  metrics: MetricReader;
  settings: () => AlertsSettings;
  kpi: () => KpiConfig;
  emit: AlertEmitter;
  /** Samples older than this count as missing. */
  maxSampleAgeMs: () => number;
  now?: () => number;
  logger?: Logger;
  /** Runs before each evaluation (e.g. a look at the engine's state). */
  beforeEvaluate?: () => void;
}

const severityRank: Record<AlertSeverity, number> = { high: 0, medium: 1, low: 2 };

export class AlertsService {
  readonly signals = new SignalBook();
  private readonly engine: AlertEngine;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly dirty = new Map<string, AlertRecord>();
  private readonly dropped = new Set<string>();
  private saving: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly opts: AlertsServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? silentLogger;
    this.engine = new AlertEngine({ notifySeverities: () => opts.settings().notify });
  }

  private restored = false;

  /** Open alerts, silences and the id counter from Redis; until this worked, ids could collide, so it is retried. */
  private async restore(): Promise<void> {
    if (this.restored) return;
    try {
      const saved = await this.opts.store.load();
      this.engine.restore(saved.open, saved.silences, saved.seq);
      this.restored = true;
      this.logger.info({ open: saved.open.length }, 'alerts restored from Redis');
    } catch (e) {
      this.logger.error({ err: describeError(e) }, 'could not restore alerts from Redis yet; retrying at the next evaluation');
    }
  }

  /** Restores open alerts and silences from Redis, then evaluates on the configured interval. */
  async start(opts: { timer?: boolean } = {}): Promise<void> {
    await this.restore();
    this.started = true;
    if (opts.timer === false) return;
    const loop = () => {
      this.timer = setTimeout(() => {
        void this.evaluate()
          .catch((e: unknown) => this.logger.error({ err: describeError(e) }, 'alert evaluation failed'))
          .finally(() => this.started && loop());
      }, this.opts.settings().evaluateIntervalMs);
      this.timer.unref();
    };
    loop();
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await this.flush();
  }

  /** One evaluation of every rule now; transitions are emitted and persisted. */
  async evaluate(): Promise<Transition[]> {
    const s = this.opts.settings();
    if (!s.enabled) return [];
    await this.restore();
    this.opts.beforeEvaluate?.();
    const transitions = this.engine.evaluate(s.rules, {
      now: this.now(),
      metrics: this.opts.metrics,
      kpi: this.opts.kpi(),
      signals: this.signals,
      maxSampleAgeMs: this.opts.maxSampleAgeMs(),
    });
    this.apply(transitions);
    await this.flush();
    return transitions;
  }

  private apply(transitions: Transition[]): void {
    for (const t of transitions) {
      if (t.kind === 'dropped') {
        this.dirty.delete(t.alert.id);
        this.dropped.add(t.alert.id);
      } else {
        this.dirty.set(t.alert.id, t.alert);
      }
      this.opts.emit('alert', { transition: t.kind, alert: t.alert });
      if (t.notify) {
        this.opts.emit('alert.notification', { alert_id: t.alert.id, severity: t.alert.severity, title: t.alert.title, body: t.alert.message, tag: dedupKey(t.alert.rule_id, t.alert.labels) });
      }
      const level = t.kind === 'firing' && t.alert.severity === 'high' ? 'warn' : 'info';
      this.logger[level]({ id: t.alert.id, rule: t.alert.rule_id, labels: t.alert.labels, transition: t.kind }, t.alert.message.en);
    }
  }

  /** Writes pending changes; on a Redis error they stay queued for the next round. */
  flush(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (this.dirty.size === 0 && this.dropped.size === 0) return;
      const changed = [...this.dirty.values()];
      const dropped = [...this.dropped];
      this.dirty.clear();
      this.dropped.clear();
      try {
        await this.opts.store.save(changed, dropped, this.engine.silenceMap(), this.engine.lastId);
      } catch (e) {
        for (const a of changed) if (!this.dirty.has(a.id)) this.dirty.set(a.id, a);
        for (const id of dropped) this.dropped.add(id);
        this.logger.warn({ err: describeError(e), pending: changed.length }, 'alerts not saved to Redis yet; retrying');
      }
    });
    return this.saving;
  }

  /** Current alerts (pending, firing, acknowledged), highest severity first, newest first. */
  current(filter: { severity?: AlertSeverity | undefined; state?: string | undefined } = {}): AlertsResponse {
    const open = this.engine.open();
    const alerts = open
      .filter((a) => (!filter.severity || a.severity === filter.severity) && (!filter.state || a.state === filter.state))
      .sort((a, b) => severityRank[a.severity] - severityRank[b.severity] || b.started_at.localeCompare(a.started_at));
    const counts = { high: 0, medium: 0, low: 0 };
    for (const a of open) if (a.state !== 'pending') counts[a.severity]++;
    return { timestamp: new Date(this.now()).toISOString(), alerts, counts };
  }

  /** Open alerts of rules over one series (the KPI panel's "alert" state). */
  openFor(metric: string): AlertRecord[] {
    const rules = new Set(
      this.opts
        .settings()
        .rules.filter((r) => {
          const c = r.condition;
          return (c.kind === 'threshold' && c.metric === metric) || (c.kind === 'any_of' && c.conditions.some((x) => x.metric === metric));
        })
        .map((r) => r.id),
    );
    return this.engine.open().filter((a) => rules.has(a.rule_id) && a.state !== 'pending');
  }

  async history(q: z.output<typeof alertHistoryQuery>): Promise<AlertHistoryResponse> {
    await this.flush();
    const { items, total } = await this.opts.store.history(q, q.page, q.page_size);
    return { items, total, page: q.page, page_size: q.page_size };
  }

  rules(): z.output<typeof alertRulesResponse> {
    const kpi = this.opts.kpi();
    return {
      rules: this.opts.settings().rules.map((r) => ({
        id: r.id,
        severity: r.severity,
        enabled: r.enabled,
        title: r.title,
        kind: r.condition.kind,
        condition: describeCondition(r.condition, kpi),
        for_s: r.for / 1000,
        runbook: r.runbook,
        action: r.action,
      })),
    };
  }

  /** POST /api/v1/monitoring/alerts/acknowledge: acknowledge, resolve or silence. */
  async act(body: { alert_id: string; action: AlertAction; duration?: number | undefined; note?: string | undefined; actor?: string | undefined }): Promise<AlertActionResult> {
    if (!this.engine.find(body.alert_id)) {
      const past = await this.opts.store.get(body.alert_id).catch(() => null);
      if (past) {
        throw new ConsoleError('alert_resolved', `Alert ${body.alert_id} was already resolved at ${past.resolved_at}.`, {
          status: 409,
          hint: 'Resolved alerts are in GET /api/v1/monitoring/alerts/history; nothing more to do.',
        });
      }
    }
    const t = this.engine.act(body.alert_id, body.action, this.now(), { actor: body.actor ?? 'operator', note: body.note, durationS: body.duration });
    if (t) this.apply([t]);
    await this.flush();
    const alert = t?.alert ?? this.engine.find(body.alert_id)!;
    const messages: Record<AlertAction, string> = {
      acknowledge: t ? `Alert ${alert.id} acknowledged.` : `Alert ${alert.id} was already acknowledged.`,
      resolve: `Alert ${alert.id} resolved; it opens again as a new alert if its condition still holds.`,
      silence: `Notifications for ${alert.rule_id} silenced until ${alert.silenced_until}.`,
    };
    return { alert, message: messages[body.action] };
  }

  /** Feeds a maintenance_overdue (or any external) rule: one alert per label set while active. */
  setCondition(ruleId: string, labels: Labels, active: boolean, detail: string): void {
    this.signals.setExternal(ruleId, labels, active, detail);
    void this.evaluate().catch((e: unknown) => this.logger.error({ err: describeError(e) }, 'alert evaluation failed'));
  }

  /** The maintenance wing's reminder feed: raises or clears every maintenance_overdue rule for one checklist. */
  maintenanceOverdue(input: { checklist: string; overdue: boolean; detail: string }): void {
    for (const r of this.opts.settings().rules) {
      if (r.condition.kind === 'maintenance_overdue') this.setCondition(r.id, { checklist: input.checklist }, input.overdue, input.detail);
    }
  }

  /** An uncaught exception, a worker or engine crash: the system_error rule fires at once. */
  reportSystemError(source: string, detail: string): void {
    const prev = this.signals.systemErrors.get(source);
    this.signals.systemErrors.set(source, { t: this.now(), detail, count: (prev?.count ?? 0) + 1 });
    void this.evaluate().catch((e: unknown) => this.logger.error({ err: describeError(e) }, 'alert evaluation failed'));
  }

  /** config.yml changed (the config watch): the low "configuration changed" notice. */
  configChanged(detail: string): void {
    this.signals.configChange = { t: this.now(), detail };
    void this.evaluate().catch((e: unknown) => this.logger.error({ err: describeError(e) }, 'alert evaluation failed'));
  }
}

