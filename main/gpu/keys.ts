/** Pub/sub channel for releases and force releases of every GPU lock. */
export const GPU_LOCK_CHANNEL = 'gpu_lock:events';

/** The Redis keys of one device's lock; `lock` is the manual's `gpu_lock:<index>`. */
export interface GpuLockKeys {
  lock: string;
  holder: string;
  fence: string;
  stats: string;
  queue: string;
  tickets: string;
  waiters: string;
}

export function gpuLockKey(device: number): string {
  return `gpu_lock:${device}`;
}

export function gpuLockKeys(device: number): GpuLockKeys {
  const lock = gpuLockKey(device);
  return {
    lock,
    holder: `${lock}:holder`,
    fence: `${lock}:fence`,
    stats: `${lock}:stats`,
    queue: `${lock}:queue`,
    tickets: `${lock}:tickets`,
    waiters: `${lock}:waiters`,
  };
}

/** Device index of `gpu_lock:<index>`, or null for anything else. */
export function parseGpuLockKey(key: string): number | null {
  const m = /^gpu_lock:(0|[1-9][0-9]{0,2})$/.exec(key);
  return m ? Number(m[1]) : null;
}
