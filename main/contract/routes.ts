import { alertRoutes } from './alerts';
import { gpuRoutes } from './gpu';
import { healthRoutes } from './health';
import { jobRoutes } from './jobs';
import { maintenanceRoutes } from './maintenance';
import { modelRoutes } from './model';
import { monitoringRoutes } from './monitoring';
import type { RouteSpec } from './route';
import { configRoutes, systemRoutes } from './system';

/** Every HTTP route and IPC call of the console, declared once. */
export const routes = {
  ...healthRoutes,
  ...modelRoutes,
  ...systemRoutes,
  ...configRoutes,
  ...gpuRoutes,
  ...monitoringRoutes,
  ...alertRoutes,
  ...maintenanceRoutes,
  ...jobRoutes,
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;
