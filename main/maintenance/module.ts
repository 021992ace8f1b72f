import { routes } from '../contract/routes';
import type { ModuleFactory } from '../core/module';
import { registerRoute } from '../api/register';
import { HttpListenerRestarter } from './apiListener';
import type { AuditLog } from './audit';
import { portsFrom } from './ports';
import { MaintenanceService } from './service';
import { LogReader } from '../logs/reader';

declare module '../core/module' {
  interface ConsoleServices {
    maintenance: MaintenanceService;
    /** The audit log; also an AuditSink for the GPU lock manager's force releases. */
    audit: AuditLog;
    logReader: LogReader;
  }
}

/** Checklists (§6), emergency actions (§5), audit log and logs (§2.3) as routes and services. */
export const createMaintenanceModule: ModuleFactory = async (ctx) => {
  const svc = new MaintenanceService({
    config: ctx.config,
    redis: ctx.redis,
    health: ctx.health,
    logs: ctx.logs,
    bus: ctx.bus,
    ports: portsFrom(ctx),
    logger: ctx.logs.for('maintenance'),
  });
  ctx.provide('maintenance', svc);
  ctx.provide('audit', svc.audit);
  ctx.provide('logReader', svc.logs);
  const operatorOf = (body: { operator?: string | undefined } | undefined) => body?.operator ?? 'operator (API token)';

  return {
    name: 'maintenance',
    registerRoutes(app, guard) {
      svc.actions.api = new HttpListenerRestarter(app.server, (req) => (req.url ?? '').split('?')[0] === routes.events.path);
      registerRoute(app, routes.maintenanceChecklists, async () => ({ now: new Date(svc.deps.now()).toISOString(), checklists: await svc.runner.view() }), guard);
      registerRoute(app, routes.runMaintenanceChecklist, async ({ params, body }) => svc.runner.runChecklist(params.period, operatorOf(body)), guard);
      registerRoute(app, routes.runMaintenanceItem, async ({ params, body }) => svc.runner.runItem(params.id, operatorOf(body)), guard);
      registerRoute(app, routes.completeMaintenanceItem, async ({ params, body }) => svc.runner.complete(params.id, body.note, body.result ?? 'ok', operatorOf(body)), guard);
      registerRoute(app, routes.maintenanceHistory, async ({ query }) => ({ runs: await svc.history.list(query) }), guard);
      registerRoute(app, routes.emergencyActions, async () => ({ actions: svc.actions.list() }), guard);
      registerRoute(app, routes.runEmergencyAction, async ({ params, body, request }) => svc.actions.run(params.id, body, operatorOf(body), request.raw), guard);
      registerRoute(app, routes.auditLog, async ({ query }) => svc.audit.list(query), guard);
      registerRoute(app, routes.componentLog, async ({ params, query }) => ({ component: params.component, lines: svc.logs.tail(params.component, query.lines), components: svc.logs.components() }), guard);
    },
    start: () => svc.start(),
    close: () => svc.close(),
  };
};
