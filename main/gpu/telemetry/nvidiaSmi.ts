import type { GpuDeviceSample } from '../../contract/gpu';

/** Fields asked of `nvidia-smi --query-gpu`, in column order. */
export const GPU_QUERY_FIELDS = ['index', 'name', 'uuid', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw'] as const;
export const COMPUTE_APPS_FIELDS = ['pid', 'used_memory', 'gpu_uuid'] as const;

export const gpuQueryArgs = (): string[] => [`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
export const computeAppsArgs = (): string[] => [`--query-compute-apps=${COMPUTE_APPS_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

export type ParsedGpu = Omit<GpuDeviceSample, 'processes'>;

export interface ComputeApp {
  pid: number;
  used_memory_mib: number | null;
  gpu_uuid: string | null;
}

/**
 * A value the card or driver did not give: `[N/A]`, `[Not Supported]`, `[Unknown Error]`,
 * `[Insufficient Permissions]`, `[GPU requires reset]`, `N/A` or nothing at all.
 */
function isUnavailable(raw: string): boolean {
  return raw === '' || raw.startsWith('[') || /^n\/?a$/i.test(raw);
}

/** A number, tolerating units left in (`45 %`, `1024 MiB`, `70.12 W`: output without `nounits`). */
export function smiNumber(raw: string | undefined): number | null {
  const s = (raw ?? '').trim();
  if (isUnavailable(s)) return null;
  const m = /^(-?\d+(?:\.\d+)?)\s*(%|MiB|W|C)?$/i.exec(s);
  return m ? Number(m[1]) : null;
}

function smiText(raw: string | undefined): string | null {
  const s = (raw ?? '').trim();
  return isUnavailable(s) ? null : s;
}

/**
 * Rows of `--query-gpu=index,name,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw
 * --format=csv,noheader,nounits`. Lines that are not rows (e.g. "Unable to determine the
 * device handle for GPU0000:82:00.0: Unknown Error") become warnings; a row cut short keeps
 * the fields it has. A name containing commas is put back together (the name is the only
 * free-text column, so surplus columns belong to it).
 */
export function parseGpuQuery(text: string): { gpus: ParsedGpu[]; warnings: string[] } {
  const gpus: ParsedGpu[] = [];
  const warnings: string[] = [];
  const width = GPU_QUERY_FIELDS.length;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    let cols = trimmed.split(',').map((c) => c.trim());
    if (cols.length > width) cols = [cols[0]!, cols.slice(1, cols.length - (width - 2)).join(', '), ...cols.slice(cols.length - (width - 2))];
    const index = smiNumber(cols[0]);
    if (cols.length < 2 || index === null || !Number.isInteger(index) || index < 0) {
      warnings.push(trimmed);
      continue;
    }
    if (cols.length < width) warnings.push(`GPU ${index}: only ${cols.length} of ${width} fields reported: ${trimmed}`);
    const used = smiNumber(cols[4]);
    const total = smiNumber(cols[5]);
    gpus.push({
      index,
      name: smiText(cols[1]),
      uuid: smiText(cols[2]),
      utilization_percent: smiNumber(cols[3]),
      memory_used_mib: used,
      memory_total_mib: total,
      memory_utilization: used !== null && total !== null && total > 0 ? used / total : null,
      temperature_c: smiNumber(cols[6]),
      power_draw_w: smiNumber(cols[7]),
    });
  }
  gpus.sort((a, b) => a.index - b.index);
  return { gpus, warnings };
}

/** Rows of `--query-compute-apps=pid,used_memory,gpu_uuid --format=csv,noheader,nounits` (empty when no process runs). */
export function parseComputeApps(text: string): { apps: ComputeApp[]; warnings: string[] } {
  const apps: ComputeApp[] = [];
  const warnings: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || /^no running (compute )?processes found/i.test(trimmed)) continue;
    const cols = trimmed.split(',').map((c) => c.trim());
    const pid = smiNumber(cols[0]);
    if (cols.length < 3 || pid === null || !Number.isInteger(pid)) {
      warnings.push(trimmed);
      continue;
    }
    apps.push({ pid, used_memory_mib: smiNumber(cols[1]), gpu_uuid: smiText(cols[2]) });
  }
  return { apps, warnings };
}

/**
 * When nvidia-smi fails without listing any GPU: the reason if that failure means "this
 * machine has no usable NVIDIA GPU" (CPU mode), null for a real error worth reporting.
 */
export function noGpuReason(output: string): string | null {
  const s = output.trim();
  if (/no devices were found/i.test(s)) return 'nvidia-smi found no NVIDIA GPU';
  // A version mismatch (driver updated, not rebooted) is not listed: the GPU is there but broken, an error to fix.
  if (/couldn't communicate with the nvidia driver|nvidia driver is not loaded/i.test(s)) {
    return `the NVIDIA driver is not usable (${firstLine(s)})`;
  }
  return null;
}

export function firstLine(s: string): string {
  return s.trim().split(/\r?\n/)[0]?.trim() ?? '';
}
