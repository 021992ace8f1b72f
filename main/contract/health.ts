import { z } from 'zod';
import { route } from './route';

export const componentStatus = z.enum(['up', 'degraded', 'down']);
export type ComponentStatus = z.infer<typeof componentStatus>;

export const healthComponent = z.object({
  status: componentStatus,
  /** One sentence a person can act on. */
  message: z.string(),
  hint: z.string().optional(),
  latency_ms: z.number().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type HealthComponent = z.infer<typeof healthComponent>;

export const diskPathStatus = z.object({
  name: z.string(),
  path: z.string(),
  free_bytes: z.number(),
  total_bytes: z.number(),
  free_percent: z.number(),
  status: componentStatus,
});
export type DiskPathStatus = z.infer<typeof diskPathStatus>;

export const healthReport = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  timestamp: z.string(),
  version: z.string(),
  uptime_s: z.number(),
  /** Names of components that are down (empty when healthy). */
  failing: z.array(z.string()),
  components: z.record(z.string(), healthComponent),
});
export type HealthReport = z.infer<typeof healthReport>;

export const healthRoutes = {
  health: route({
    method: 'GET',
    path: '/health',
    auth: false,
    summary: 'Overall status and each component (api, redis, disk, engine). 200 healthy/degraded, 503 unhealthy.',
    response: healthReport,
    alsoOk: [503],
  }),
} as const;
