import { z } from 'zod';

/** The `jobs` section of config.yml. */
export const jobsSection = z.object({}).strict();
