import { z } from 'zod';
import { route } from './route';

/** Checklist periods of the manual's section 6. */
export const maintenancePeriod = z.enum(['daily', 'weekly', 'monthly', 'quarterly']);
export type MaintenancePeriodName = z.infer<typeof maintenancePeriod>;

export const localizedText = z.object({ en: z.string(), zh: z.string() });
export type LocalizedText = z.infer<typeof localizedText>;

export const checkResult = z.enum(['ok', 'warn', 'fail']);
export type CheckResult = z.infer<typeof checkResult>;

const operator = z.string().trim().min(1).max(100);

export const maintenanceRun = z.object({
  id: z.string(),
  item_id: z.string(),
  period: maintenancePeriod,
  kind: z.enum(['automated', 'manual']),
  /** The automated check's kind (config `check`), null for manual items. */
  check: z.string().nullable(),
  result: checkResult,
  /** One sentence: what was found. */
  summary: z.string(),
  details: z.record(z.string(), z.unknown()),
  operator: z.string(),
  note: z.string().nullable(),
  trigger: z.enum(['item', 'checklist', 'manual']),
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number(),
});
export type MaintenanceRun = z.infer<typeof maintenanceRun>;

export const checklistItemView = z.object({
  id: z.string(),
  period: maintenancePeriod,
  title: localizedText,
  kind: z.enum(['automated', 'manual']),
  check: z.string().nullable(),
  instructions: localizedText.nullable(),
  manual_ref: z.string().nullable(),
  last_run: maintenanceRun.nullable(),
  due_at: z.string(),
  overdue: z.boolean(),
});
export type ChecklistItemView = z.infer<typeof checklistItemView>;

export const checklistView = z.object({
  period: maintenancePeriod,
  interval_h: z.number(),
  grace_h: z.number(),
  items: z.array(checklistItemView),
  /** Earliest due time of its items. */
  due_at: z.string().nullable(),
  overdue: z.boolean(),
  overdue_items: z.array(z.string()),
});
export type ChecklistView = z.infer<typeof checklistView>;

export const checklistRunResult = z.object({
  period: maintenancePeriod,
  /** Worst result of the automated items. */
  result: checkResult,
  runs: z.array(maintenanceRun),
  /** Manual items of this checklist still waiting for an operator's confirmation. */
  manual_pending: z.array(z.string()),
});
export type ChecklistRunResult = z.infer<typeof checklistRunResult>;

export const emergencyOutcome = z.enum(['done', 'partial', 'failed', 'unavailable', 'refused']);
export type EmergencyOutcome = z.infer<typeof emergencyOutcome>;

export const auditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  outcome: z.string(),
  message: z.string(),
  /** State before the action (engine status, lock holder, Redis state, files…). */
  previous: z.unknown(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntryView = z.infer<typeof auditEntry>;

export const emergencyParam = z.object({ name: z.string(), type: z.enum(['string', 'integer']), required: z.boolean(), description: z.string() });

export const emergencyActionView = z.object({
  id: z.string(),
  title: localizedText,
  description: localizedText,
  manual_ref: z.string().nullable(),
  params: z.array(emergencyParam),
  /** false when what it acts on is not installed (e.g. no diarization stage yet). */
  available: z.boolean(),
  unavailable_reason: z.string().nullable(),
});
export type EmergencyActionView = z.infer<typeof emergencyActionView>;

export const emergencyActionBody = z
  .object({
    /** Must be true: every emergency action is confirmed by the operator. */
    confirm: z.boolean().optional(),
    operator: operator.optional(),
    reason: z.string().max(500).optional(),
    /** release_gpu_lock: e.g. "gpu_lock:0". */
    lock_key: z.string().max(64).optional(),
    /** show_logs: lines per component. */
    lines: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export type EmergencyActionBody = z.infer<typeof emergencyActionBody>;

export const emergencyActionResult = z.object({
  action: z.string(),
  outcome: emergencyOutcome,
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
  previous: z.unknown(),
  started_at: z.string(),
  duration_ms: z.number(),
  audit: z.object({ id: z.string(), recorded: z.boolean(), error: z.string().optional() }),
});
export type EmergencyActionResult = z.infer<typeof emergencyActionResult>;

export const logLineView = z.object({ text: z.string(), time: z.string().nullable(), level: z.string().nullable(), msg: z.string().nullable() });

export const maintenanceOverdueEvent = z.object({
  checklist: maintenancePeriod,
  due_at: z.string(),
  overdue_items: z.array(z.string()),
  detail: z.string(),
  /** false when the checklist is no longer overdue (the reminder resolves). */
  overdue: z.boolean(),
});
export type MaintenanceOverdueEvent = z.infer<typeof maintenanceOverdueEvent>;

declare module './events' {
  interface LiveEventMap {
    'maintenance.run': MaintenanceRun;
    'maintenance.overdue': MaintenanceOverdueEvent;
    'audit.entry': AuditEntryView;
  }
}

const itemParams = z.object({ id: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/) });

export const maintenanceRoutes = {
  maintenanceChecklists: route({
    method: 'GET',
    path: '/api/v1/maintenance/checklists',
    auth: false,
    summary: 'The four checklists (daily, weekly, monthly, quarterly): items, last result, due and overdue.',
    response: z.object({ now: z.string(), checklists: z.array(checklistView) }),
  }),
  runMaintenanceChecklist: route({
    method: 'POST',
    path: '/api/v1/maintenance/checklists/:period/run',
    auth: true,
    summary: 'Runs every automated item of a checklist in order and records each result; lists the manual items still to confirm.',
    params: z.object({ period: maintenancePeriod }),
    body: z.object({ operator: operator.optional() }).strict().optional(),
    response: checklistRunResult,
  }),
  runMaintenanceItem: route({
    method: 'POST',
    path: '/api/v1/maintenance/items/:id/run',
    auth: true,
    summary: 'Runs one automated item and records its result. 404 unknown item, 409 manual item or already running.',
    params: itemParams,
    body: z.object({ operator: operator.optional() }).strict().optional(),
    response: maintenanceRun,
  }),
  completeMaintenanceItem: route({
    method: 'POST',
    path: '/api/v1/maintenance/items/:id/complete',
    auth: true,
    summary: 'Records an operator\'s confirmation of a manual item, with a note. 404 unknown item, 409 automated item.',
    params: itemParams,
    body: z.object({ note: z.string().trim().min(1).max(4000), result: checkResult.optional(), operator: operator.optional() }).strict(),
    response: maintenanceRun,
  }),
  maintenanceHistory: route({
    method: 'GET',
    path: '/api/v1/maintenance/history',
    auth: false,
    summary: 'Recorded runs, newest first; filter by item or period.',
    query: z.object({
      item: z.string().optional(),
      period: maintenancePeriod.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    response: z.object({ runs: z.array(maintenanceRun) }),
  }),
  emergencyActions: route({
    method: 'GET',
    path: '/api/v1/emergency/actions',
    auth: false,
    summary: 'The emergency actions of the manual\'s section 5, with their parameters and whether each is available.',
    response: z.object({ actions: z.array(emergencyActionView) }),
  }),
  runEmergencyAction: route({
    method: 'POST',
    path: '/api/v1/emergency/actions/:id',
    auth: true,
    summary: 'Runs one emergency action (body must have confirm: true) and records an audit entry. 400 without confirm, 404 unknown action, 409 already running.',
    params: z.object({ id: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/) }),
    body: emergencyActionBody,
    response: emergencyActionResult,
  }),
  auditLog: route({
    method: 'GET',
    path: '/api/v1/audit',
    auth: false,
    summary: 'The audit log of emergency actions (and GPU lock force releases), newest first.',
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), action: z.string().optional() }),
    response: z.object({ entries: z.array(auditEntry), source: z.enum(['redis', 'file']) }),
  }),
  componentLog: route({
    method: 'GET',
    path: '/api/v1/logs/:component',
    auth: false,
    summary: 'The last N lines (default 100) of one component\'s log (api, redis, engine, …). 404 for a component without a log.',
    params: z.object({ component: z.string().max(64) }),
    query: z.object({ lines: z.coerce.number().int().min(1).max(10_000).default(100) }),
    response: z.object({ component: z.string(), lines: z.array(logLineView), components: z.array(z.string()) }),
  }),
} as const;
