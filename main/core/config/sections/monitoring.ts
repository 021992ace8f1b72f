import { z } from 'zod';

/** The `monitoring` section of config.yml. */
export const monitoringSection = z.object({}).strict();
