/**
 * The alert lifecycle, driven by a clock it is given (tests step it; the service uses
 * Date.now): pending (condition holds, `for` not met) → firing → acknowledged → resolved
 * (condition cleared past its hysteresis level, or an operator resolved it). One open
 * alert per rule + labels; its id never changes.
 */
import type { AlertRecord, AlertSeverity, AlertState } from '../contract/alerts';
import { ConsoleError } from '../core/errors';
import { seriesKey, type Labels } from '../monitoring/series';
import { evaluateCondition, type ConditionInputs, type Observation } from './conditions';
import { formatDuration, renderTemplate, type AlertRule } from './rules';

export type TransitionKind = 'pending' | 'firing' | 'acknowledged' | 'resolved' | 'silenced' | 'dropped';

export interface Transition {
  kind: TransitionKind;
  alert: AlertRecord;
  /** A notifying severity fired and is not silenced: raise a desktop notification. */
  notify: boolean;
}

export interface AlertEngineOptions {
  notifySeverities: () => readonly AlertSeverity[];
}

export type AlertAction = 'acknowledge' | 'resolve' | 'silence';

export interface ActOptions {
  actor: string;
  note?: string | undefined;
  /** Silence length in seconds. */
  durationS?: number | undefined;
}

export function dedupKey(ruleId: string, labels: Labels): string {
  return seriesKey(ruleId, labels);
}

const iso = (t: number) => new Date(t).toISOString();

export class AlertEngine {
  private readonly byKey = new Map<string, AlertRecord>();
  private readonly silences = new Map<string, number>();
  private seq = 0;

  constructor(private readonly opts: AlertEngineOptions) {}

  /** Open alerts and silences as persisted, and the last id handed out. */
  restore(open: AlertRecord[], silences: ReadonlyMap<string, number>, seq: number): void {
    for (const a of open) {
      if (a.state !== 'resolved') this.byKey.set(dedupKey(a.rule_id, a.labels), a);
    }
    for (const [k, until] of silences) this.silences.set(k, until);
    this.seq = Math.max(this.seq, seq, ...open.map((a) => Number(/^alert_(\d+)$/.exec(a.id)?.[1] ?? 0)));
  }

  get lastId(): number {
    return this.seq;
  }

  open(): AlertRecord[] {
    return [...this.byKey.values()];
  }

  silenceMap(): ReadonlyMap<string, number> {
    return this.silences;
  }

  find(id: string): AlertRecord | undefined {
    for (const a of this.byKey.values()) if (a.id === id) return a;
    return undefined;
  }

  private silencedUntil(key: string, now: number): number | null {
    const until = this.silences.get(key);
    if (until === undefined) return null;
    if (until <= now) {
      this.silences.delete(key);
      return null;
    }
    return until;
  }

  private render(rule: AlertRule, o: Observation, a: AlertRecord | undefined, now: number): Pick<AlertRecord, 'title' | 'message' | 'value' | 'threshold'> {
    const started = a ? Date.parse(a.started_at) : now;
    const vars = { ...o.vars, for: formatDuration(Math.max(0, Math.round((now - started) / 1000) * 1000)) };
    return {
      title: rule.title,
      message: { en: renderTemplate(rule.message.en, vars), zh: renderTemplate(rule.message.zh, vars) },
      value: o.value,
      threshold: o.threshold,
    };
  }

  private fire(a: AlertRecord, now: number, key: string): Transition {
    a.state = 'firing';
    a.fired_at = iso(now);
    a.updated_at = iso(now);
    const notify = this.opts.notifySeverities().includes(a.severity) && this.silencedUntil(key, now) === null;
    return { kind: 'firing', alert: { ...a }, notify };
  }

  private resolve(a: AlertRecord, now: number, by: string, key: string): Transition {
    a.state = 'resolved';
    a.resolved_at = iso(now);
    a.resolved_by = by;
    a.updated_at = iso(now);
    this.byKey.delete(key);
    return { kind: 'resolved', alert: { ...a }, notify: false };
  }

  /** Applies one evaluation of every rule at `inputs.now`; returns the transitions in order. */
  evaluate(rules: readonly AlertRule[], inputs: ConditionInputs): Transition[] {
    const now = inputs.now;
    const out: Transition[] = [];
    const live = new Set(rules.filter((r) => r.enabled).map((r) => r.id));
    for (const [key, a] of [...this.byKey]) {
      if (!live.has(a.rule_id)) out.push(this.resolve(a, now, 'rule removed from config.yml', key));
    }
    for (const rule of rules) {
      if (!rule.enabled) continue;
      for (const o of evaluateCondition(rule.id, rule.condition, inputs)) {
        const key = dedupKey(rule.id, o.labels);
        const a = this.byKey.get(key);
        if (!a) {
          if (!o.active) continue;
          const silenced = this.silencedUntil(key, now);
          const created: AlertRecord = {
            id: `alert_${++this.seq}`,
            rule_id: rule.id,
            severity: rule.severity,
            state: 'pending',
            labels: { ...o.labels },
            ...this.render(rule, o, undefined, now),
            started_at: iso(now),
            fired_at: null,
            acknowledged_at: null,
            acknowledged_by: null,
            resolved_at: null,
            resolved_by: null,
            updated_at: iso(now),
            silenced_until: silenced === null ? null : iso(silenced),
            note: null,
            runbook: rule.runbook,
            action: rule.action,
          };
          this.byKey.set(key, created);
          out.push({ kind: 'pending', alert: { ...created }, notify: false });
          if (rule.for <= 0) out.push(this.fire(created, now, key));
          continue;
        }
        if (a.state === 'pending') {
          if (!o.active) {
            this.byKey.delete(key);
            out.push({ kind: 'dropped', alert: { ...a, updated_at: iso(now) }, notify: false });
            continue;
          }
          Object.assign(a, this.render(rule, o, a, now));
          if (now - Date.parse(a.started_at) >= rule.for) out.push(this.fire(a, now, key));
          continue;
        }
        if (o.cleared) {
          out.push(this.resolve(a, now, 'condition', key));
        } else if (o.active) {
          Object.assign(a, this.render(rule, o, a, now));
        }
      }
    }
    return out;
  }

  /** An operator's acknowledge / resolve / silence of an open alert. */
  act(id: string, action: AlertAction, now: number, o: ActOptions): Transition | null {
    const a = this.find(id);
    if (!a) throw new ConsoleError('alert_not_found', `No open alert ${id}.`, { status: 404, hint: 'GET /api/v1/monitoring/alerts lists the open alerts and their ids.' });
    const key = dedupKey(a.rule_id, a.labels);
    if (o.note !== undefined) a.note = o.note;
    switch (action) {
      case 'acknowledge': {
        if (a.state === 'acknowledged') return null;
        if (a.state === 'pending') {
          throw new ConsoleError('alert_pending', `Alert ${id} is still pending (its condition has not held for the rule's "for" time yet).`, {
            status: 409,
            hint: 'Wait until it fires, or silence or resolve it.',
          });
        }
        a.state = 'acknowledged' satisfies AlertState;
        a.acknowledged_at = iso(now);
        a.acknowledged_by = o.actor;
        a.updated_at = iso(now);
        return { kind: 'acknowledged', alert: { ...a }, notify: false };
      }
      case 'resolve':
        return this.resolve(a, now, o.actor, key);
      case 'silence': {
        const until = now + (o.durationS ?? 0) * 1000;
        this.silences.set(key, until);
        a.silenced_until = iso(until);
        a.updated_at = iso(now);
        return { kind: 'silenced', alert: { ...a }, notify: false };
      }
    }
  }
}
