import { gpuRoutes } from './gpu';
import { healthRoutes } from './health';
import { modelRoutes } from './model';
import type { RouteSpec } from './route';
import { systemRoutes } from './system';

/** Every HTTP route and IPC call of the console, declared once. */
export const routes = {
  ...healthRoutes,
  ...modelRoutes,
  ...systemRoutes,
  ...gpuRoutes,
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;
