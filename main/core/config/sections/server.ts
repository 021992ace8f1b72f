import { z } from 'zod';

export const serverSection = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8788),
    /** Largest JSON body accepted, in bytes (413 above). */
    body_limit_bytes: z.number().int().positive().default(1_048_576),
    /** Largest uploaded media file, in bytes. */
    upload_limit_bytes: z.number().int().positive().default(2_147_483_648),
  })
  .strict();

export const redisSection = z
  .object({
    /** External Redis URL (redis://host:port/db). null = the console runs its own redis-server. */
    url: z.string().url().nullable().default(null),
    managed: z
      .object({
        binary: z.string().default('redis-server'),
        port: z.number().int().min(0).max(65535).default(6390),
        appendonly: z.boolean().default(true),
        restart_on_exit: z.boolean().default(true),
        restart_backoff_ms: z.number().int().positive().default(500),
      })
      .strict()
      .prefault({}),
    ping_timeout_ms: z.number().int().positive().default(1000),
  })
  .strict();

export const pathsSection = z
  .object({
    /** App data dir; null = $WHISPERX_DATA_DIR, else $XDG_DATA_HOME/whisperx-console, else ~/.local/share/whisperx-console. */
    data_dir: z.string().nullable().default(null),
    /** Folder holding model folders. Relative paths are relative to config.yml's folder. */
    models: z.string().default('./models'),
    /** Cache for downloaded/converted models (cleared by the "clear model cache" action; never the bundled models). */
    model_cache: z.string().default('{data_dir}/model-cache'),
    results: z.string().default('{data_dir}/results'),
    logs: z.string().default('{data_dir}/logs'),
    temp: z.string().default('{data_dir}/tmp'),
  })
  .strict();

export const healthSection = z
  .object({
    /** A data path with less free space than this is "down" in /health. */
    disk_min_free_gb: z.number().nonnegative().default(1),
    disk_min_free_percent: z.number().min(0).max(100).default(5),
    /** Interval at which the health report is recomputed and pushed on the live feed. */
    publish_interval_ms: z.number().int().positive().default(2000),
  })
  .strict();
