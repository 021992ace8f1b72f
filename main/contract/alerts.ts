import { z } from 'zod';
import { route } from './route';

export const alertSeverity = z.enum(['high', 'medium', 'low']);
export type AlertSeverity = z.infer<typeof alertSeverity>;

/** pending (condition true, `for` not met) → firing → acknowledged → resolved. */
export const alertState = z.enum(['pending', 'firing', 'acknowledged', 'resolved']);
export type AlertState = z.infer<typeof alertState>;

export const bilingualText = z.object({ en: z.string(), zh: z.string() });
export type BilingualText = z.infer<typeof bilingualText>;

export const alertRecord = z.object({
  /** Stable for the alert's whole life and across restarts ("alert_123"). */
  id: z.string(),
  rule_id: z.string(),
  severity: alertSeverity,
  state: alertState,
  /** Rule + labels is the dedup key: one open alert per disk path, GPU, component… */
  labels: z.record(z.string(), z.string()),
  title: bilingualText,
  message: bilingualText,
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  /** When the condition first held (pending since). */
  started_at: z.string(),
  fired_at: z.string().nullable(),
  acknowledged_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  resolved_at: z.string().nullable(),
  /** 'condition' when the condition cleared, else the operator who resolved it. */
  resolved_by: z.string().nullable(),
  updated_at: z.string(),
  /** Notifications for this rule + labels are held back until then. */
  silenced_until: z.string().nullable(),
  note: z.string().nullable(),
  /** The manual's runbook step and the emergency action the UI offers with the alert. */
  runbook: z.string().nullable(),
  action: z.string().nullable(),
});
export type AlertRecord = z.infer<typeof alertRecord>;

export const alertsQuery = z.object({
  severity: alertSeverity.optional(),
  state: z.enum(['pending', 'firing', 'acknowledged']).optional(),
});

export const alertsResponse = z.object({
  timestamp: z.string(),
  alerts: z.array(alertRecord),
  /** Open alerts per severity (pending ones not counted). */
  counts: z.object({ high: z.number(), medium: z.number(), low: z.number() }),
});
export type AlertsResponse = z.infer<typeof alertsResponse>;

const isoOrMs = z.union([z.coerce.number(), z.string()]).transform((v, ctx) => {
  const t = typeof v === 'number' ? v : Number.isNaN(Number(v)) ? Date.parse(v) : Number(v);
  if (Number.isNaN(t)) {
    ctx.addIssue({ code: 'custom', message: 'a time (ISO 8601 or epoch ms)' });
    return z.NEVER;
  }
  return t;
});

export const alertHistoryQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(500).default(50),
  severity: alertSeverity.optional(),
  rule: z.string().optional(),
  state: z.enum(['acknowledged', 'resolved']).optional(),
  since: isoOrMs.optional(),
  until: isoOrMs.optional(),
});

export const alertHistoryResponse = z.object({
  /** Newest first: resolved alerts and acknowledged ones. */
  items: z.array(alertRecord),
  page: z.number(),
  page_size: z.number(),
  total: z.number(),
});
export type AlertHistoryResponse = z.infer<typeof alertHistoryResponse>;

const silenceUnits: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

export const alertActionBody = z
  .object({
    alert_id: z.string().min(1),
    action: z.enum(['acknowledge', 'resolve', 'silence']).default('acknowledge'),
    /** For silence: "30m", "2h", "1d" or seconds. */
    duration: z
      .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?[smhd]$/, 'a duration like "30m", "2h" or "1d"')])
      .transform((v) => (typeof v === 'number' ? v : Number(v.slice(0, -1)) * silenceUnits[v.slice(-1)]!))
      .optional(),
    note: z.string().max(1_000).optional(),
    /** Who did it (goes into the record); default "operator". */
    actor: z.string().max(100).optional(),
  })
  .refine((b) => b.action !== 'silence' || b.duration !== undefined, { message: 'silence needs a duration, e.g. "1h"', path: ['duration'] });
export type AlertActionBody = z.input<typeof alertActionBody>;

export const alertActionResult = z.object({ alert: alertRecord, message: z.string() });
export type AlertActionResult = z.infer<typeof alertActionResult>;

export const alertRuleInfo = z.object({
  id: z.string(),
  severity: alertSeverity,
  enabled: z.boolean(),
  title: bilingualText,
  kind: z.string(),
  /** Condition in words, thresholds resolved from the kpi section (e.g. "api_request_duration_p95_seconds > 1"). */
  condition: z.string(),
  for_s: z.number(),
  runbook: z.string().nullable(),
  action: z.string().nullable(),
});
export const alertRulesResponse = z.object({ rules: z.array(alertRuleInfo) });

export const alertTransition = z.enum(['pending', 'firing', 'acknowledged', 'resolved', 'silenced', 'dropped']);

export const alertEvent = z.object({ transition: alertTransition, alert: alertRecord });
export type AlertEvent = z.infer<typeof alertEvent>;

/** Raised when a notifying severity (alerts.notify) fires unsilenced: the UI shows it as a desktop notification. */
export const alertNotification = z.object({
  alert_id: z.string(),
  severity: alertSeverity,
  title: bilingualText,
  body: bilingualText,
  /** Tag for OS notification de-duplication (rule + labels). */
  tag: z.string(),
});
export type AlertNotification = z.infer<typeof alertNotification>;

declare module './events' {
  interface LiveEventMap {
    /** Every lifecycle transition of an alert. */
    alert: AlertEvent;
    /** Electron: `new Notification(...)` in the main process; browser: the Notification API. */
    'alert.notification': AlertNotification;
  }
}

export const alertRoutes = {
  monitoringAlerts: route({
    method: 'GET',
    path: '/api/v1/monitoring/alerts',
    auth: false,
    summary: 'Current alerts: pending, firing and acknowledged, highest severity first.',
    query: alertsQuery,
    response: alertsResponse,
  }),
  alertHistory: route({
    method: 'GET',
    path: '/api/v1/monitoring/alerts/history',
    auth: false,
    summary: 'Resolved and acknowledged alerts, newest first, paged; filters severity, rule, state, since/until.',
    query: alertHistoryQuery,
    response: alertHistoryResponse,
  }),
  acknowledgeAlert: route({
    method: 'POST',
    path: '/api/v1/monitoring/alerts/acknowledge',
    auth: true,
    summary: 'acknowledge (default), resolve, or silence (with a duration) an alert. 404 unknown alert_id, 409 when already resolved.',
    body: alertActionBody,
    response: alertActionResult,
  }),
  alertRules: route({
    method: 'GET',
    path: '/api/v1/monitoring/alerts/rules',
    auth: false,
    summary: 'The alert rules from config.yml with their resolved thresholds.',
    response: alertRulesResponse,
  }),
} as const;
