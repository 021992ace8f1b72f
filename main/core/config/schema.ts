import { z } from 'zod';
import { healthSection, pathsSection, redisSection, serverSection } from './sections/server';
import { kpiSection, modelSection, profileSchema } from './sections/profiles';
import { gpuSection } from './sections/gpu';
import { jobsSection } from './sections/jobs';
import { monitoringSection } from './sections/monitoring';
import { alertsSection } from './sections/alerts';
import { maintenanceSection } from './sections/maintenance';
import { audioSection, vadSection } from './sections/audio';
import { alignmentSection, diarizationSection } from './sections/speakers';

/**
 * The whole of config.yml. Every section is strict: an unknown key is an error that names
 * the key, so a typo never silently falls back to a default.
 */
export const configSchema = z
  .object({
    server: serverSection.prefault({}),
    redis: redisSection.prefault({}),
    paths: pathsSection.prefault({}),
    health: healthSection.prefault({}),
    model: modelSection.prefault({}),
    audio: audioSection.prefault({}),
    vad: vadSection.prefault({}),
    alignment: alignmentSection.prefault({}),
    diarization: diarizationSection.prefault({}),
    active_profile: z.string().min(1),
    profiles: z.record(z.string(), profileSchema),
    kpi: kpiSection.prefault({}),
    gpu: gpuSection.prefault({}),
    jobs: jobsSection.prefault({}),
    monitoring: monitoringSection.prefault({}),
    alerts: alertsSection.prefault({}),
    maintenance: maintenanceSection.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (!(cfg.active_profile in cfg.profiles)) {
      ctx.addIssue({
        code: 'custom',
        path: ['active_profile'],
        message: `active_profile "${cfg.active_profile}" is not one of the profiles (${Object.keys(cfg.profiles).join(', ')})`,
      });
    }
  });

export type ConsoleConfigInput = z.input<typeof configSchema>;
/** Config as parsed from YAML (paths not yet resolved). */
export type RawConsoleConfig = z.output<typeof configSchema>;
