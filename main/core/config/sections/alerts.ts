import { z } from 'zod';

/** The `alerts` section of config.yml. */
export const alertsSection = z.object({}).strict();
