import { z } from 'zod';

/** The `maintenance` section of config.yml. */
export const maintenanceSection = z.object({}).strict();
