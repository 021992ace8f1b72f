import { z } from 'zod';

/** Every UI string that comes from config has both languages (the manual is Chinese first). */
export const bilingual = z.object({ en: z.string().min(1), zh: z.string().min(1) }).strict();
export type Bilingual = z.infer<typeof bilingual>;

export const maintenancePeriods = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
export type MaintenancePeriod = (typeof maintenancePeriods)[number];

/** The automated checks the console knows how to run (main/maintenance/checks). */
export const checkKinds = [
  'service_status',
  'resources',
  'error_logs',
  'alerts',
  'backup',
  'benchmark',
  'clean_logs',
  'data_integrity',
  'config_optimisation',
  'capacity',
  'dr_drill',
] as const;
export type CheckKind = (typeof checkKinds)[number];

/** The emergency procedures of the manual's section 5 (main/maintenance/actions). */
export const emergencyActionIds = [
  'restart_api',
  'restart_engine',
  'restart_diarization',
  'release_gpu_lock',
  'free_memory',
  'restart_redis',
  'clean_temp',
  'clean_logs',
  'clear_model_cache',
  'check_disk',
  'show_logs',
  'validate_config',
] as const;
export type EmergencyActionId = (typeof emergencyActionIds)[number];

const itemId = z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'item ids are lower_snake_case');

/** One checklist line: automated (`check`) or manual (`instructions`, confirmed by an operator). */
export const checklistItemSchema = z
  .object({
    id: itemId,
    title: bilingual,
    check: z.enum(checkKinds).optional(),
    /** What the operator checks by hand (manual items), or extra guidance for automated ones. */
    instructions: bilingual.optional(),
    /** The manual's section this item comes from, e.g. "§6 daily". */
    manual_ref: z.string().optional(),
  })
  .strict()
  .superRefine((item, ctx) => {
    if (!item.check && !item.instructions) {
      ctx.addIssue({ code: 'custom', path: ['instructions'], message: `item "${item.id}" needs either check (automated) or instructions (manual)` });
    }
  });
export type ChecklistItemConfig = z.infer<typeof checklistItemSchema>;

const periodSchema = z
  .object({
    /** An item is due this long after its last run. */
    interval_h: z.number().positive(),
    /** Overdue (and the maintenance reminder fires) once this much past the due time. */
    grace_h: z.number().nonnegative().default(0),
  })
  .strict();

const days = () => z.number().positive();

export const maintenanceSection = z
  .object({
    periods: z
      .object({
        daily: periodSchema.prefault({ interval_h: 24, grace_h: 2 }),
        weekly: periodSchema.prefault({ interval_h: 168, grace_h: 24 }),
        monthly: periodSchema.prefault({ interval_h: 720, grace_h: 72 }),
        quarterly: periodSchema.prefault({ interval_h: 2160, grace_h: 168 }),
      })
      .strict()
      .prefault({}),
    checklists: z
      .object({
        daily: z.array(checklistItemSchema).default([]),
        weekly: z.array(checklistItemSchema).default([]),
        monthly: z.array(checklistItemSchema).default([]),
        quarterly: z.array(checklistItemSchema).default([]),
      })
      .strict()
      .prefault({}),
    /** How often overdue checklists are looked for (reminder alert + event). */
    reminder_check_interval_s: z.number().int().positive().default(300),
    /** Runs kept in Redis (newest first). */
    history_max: z.number().int().min(10).default(5000),
    /** Above this fraction of a KPI limit a resource reads "warn" (at the limit: "fail"). */
    warn_ratio: z.number().min(0).max(1).default(0.9),
    service_status: z.object({ log_lines: z.number().int().min(0).max(1000).default(50) }).strict().prefault({}),
    error_logs: z
      .object({
        /** First scan (no earlier run): look this far back. */
        first_scan_hours: z.number().positive().default(24),
        /** Lines shown in the result (the count is always complete). */
        max_lines: z.number().int().positive().default(200),
      })
      .strict()
      .prefault({}),
    backup: z
      .object({
        /** Newest AOF/RDB file or last successful save older than this = stale. */
        max_age_h: z.number().positive().default(24),
      })
      .strict()
      .prefault({}),
    benchmark: z
      .object({
        /** Audio file to transcribe (relative to config.yml); null = synthetic audio of duration_s. */
        audio: z.string().nullable().default(null),
        duration_s: z.number().positive().max(600).default(20),
        /** Slower than the stored baseline by more than this fraction = warn (degradation trend). */
        degradation_tolerance: z.number().positive().default(0.25),
        /** On a GPU profile the benchmark takes the GPU lock like a job; it gives up after this long. */
        gpu_wait_s: z.number().positive().default(120),
      })
      .strict()
      .prefault({}),
    logs: z
      .object({
        /** The manual: `find logs/ -name "*.log" -mtime +30 -delete`. */
        max_age_days: days().default(30),
        /** The manual: log files over 100 MB (rotated here rather than deleted, so nothing recent is lost). */
        rotate_max_mb: z.number().positive().default(100),
        /** How often file sizes are checked for rotation (0 = only by the actions). */
        rotate_check_interval_s: z.number().int().nonnegative().default(300),
      })
      .strict()
      .prefault({}),
    temp: z.object({ max_age_days: days().default(7) }).strict().prefault({}),
    profile_advice: z
      .object({
        /** RTX 3060 class: 12 GB (8 GB variant); the manual's high-performance profile. */
        high_performance: z
          .object({ profile: z.string().default('high_performance'), min_vram_gb: z.number().positive().default(8), min_cpu_cores: z.number().int().positive().default(8), min_ram_gb: z.number().positive().default(16) })
          .strict()
          .prefault({}),
        memory_limited: z.object({ profile: z.string().default('memory_limited') }).strict().prefault({}),
        cpu: z.object({ profile: z.string().default('cpu') }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
    capacity: z
      .object({
        /** Disk samples taken this often (and at each capacity check). */
        sample_interval_m: z.number().positive().default(60),
        /** Growth rate computed over this window. */
        window_days: days().default(30),
        warn_days_until_full: days().default(30),
        fail_days_until_full: days().default(7),
        /** Job arrival vs completion compared over this window. */
        jobs_window_h: z.number().positive().default(24),
      })
      .strict()
      .prefault({}),
    dr_drill: z
      .object({
        /** Keep the snapshot folder under <data_dir>/dr-drills (false = remove after the drill). */
        keep_snapshot: z.boolean().default(false),
        timeout_s: z.number().positive().default(120),
      })
      .strict()
      .prefault({}),
    free_memory: z
      .object({
        /** Value written to /proc/sys/vm/drop_caches (the manual: `sync; echo 1 > ...`; 3 also drops dentries and inodes). */
        drop_caches: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).default(1),
      })
      .strict()
      .prefault({}),
    show_logs: z.object({ default_lines: z.number().int().positive().max(10_000).default(100) }).strict().prefault({}),
    /** Titles and descriptions of the emergency actions (the UI's buttons and confirm dialogs). */
    emergency: z
      .partialRecord(z.enum(emergencyActionIds), z.object({ title: bilingual, description: bilingual, manual_ref: z.string().optional() }).strict())
      .default({}),
    audit_max: z.number().int().min(10).default(10_000),
  })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Map<string, string>();
    for (const period of maintenancePeriods) {
      m.checklists[period].forEach((item, i) => {
        const first = seen.get(item.id);
        if (first) ctx.addIssue({ code: 'custom', path: ['checklists', period, i, 'id'], message: `item id "${item.id}" is already used in the ${first} checklist; ids must be unique` });
        seen.set(item.id, period);
      });
    }
    if (m.capacity.fail_days_until_full > m.capacity.warn_days_until_full) {
      ctx.addIssue({ code: 'custom', path: ['capacity', 'fail_days_until_full'], message: 'fail_days_until_full must not exceed warn_days_until_full' });
    }
  });

export type MaintenanceConfig = z.output<typeof maintenanceSection>;
