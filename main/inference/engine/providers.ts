/**
 * Execution provider choice: device auto tries CUDA (device_id) then CPU and records why;
 * device cuda is an explicit request, so a missing CUDA runtime is an error, not a
 * silent slow path (docs/decisions.md: "cuda means cuda").
 */
import type ort from 'onnxruntime-node';
import { ConsoleError } from '../../core/errors';

export type Device = 'auto' | 'cuda' | 'cpu';

export interface ProviderRequest {
  device: Device;
  deviceId: number;
  /** Intra-op threads; 0 = one per CPU core (onnxruntime's default). */
  threads: number;
  /** use_faster_whisper: full graph optimisation; false = basic (the conservative path). */
  optimize: boolean;
}

export interface ProviderChoice {
  provider: 'cuda' | 'cpu';
  reason: string;
}

export function sessionOptions(req: ProviderRequest, provider: 'cuda' | 'cpu'): ort.InferenceSession.SessionOptions {
  const eps: ort.InferenceSession.ExecutionProviderConfig[] = provider === 'cuda' ? [{ name: 'cuda', deviceId: req.deviceId }, 'cpu'] : ['cpu'];
  return {
    executionProviders: eps,
    graphOptimizationLevel: req.optimize ? 'all' : 'basic',
    ...(req.threads > 0 ? { intraOpNumThreads: req.threads } : {}),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Warnings about constant folding in the merged If graph are noise for operators.
    logSeverityLevel: 3,
  };
}

/**
 * Run `open` with the providers the request allows, first choice first. `open` creates the
 * sessions; when CUDA cannot be initialised it throws and (for auto) CPU is tried.
 */
export async function openWithProviders<T>(req: ProviderRequest, open: (opts: ort.InferenceSession.SessionOptions) => Promise<T>): Promise<{ value: T; choice: ProviderChoice }> {
  if (req.device === 'cpu') return { value: await open(sessionOptions(req, 'cpu')), choice: { provider: 'cpu', reason: 'device cpu requested by the profile' } };
  try {
    const value = await open(sessionOptions(req, 'cuda'));
    return { value, choice: { provider: 'cuda', reason: `CUDA device ${req.deviceId} (device ${req.device})` } };
  } catch (e) {
    const why = cudaFailure(e);
    if (req.device === 'cuda') {
      throw new ConsoleError('engine_cuda_unavailable', `CUDA was requested (device cuda, device_id ${req.deviceId}) but cannot be used: ${why}`, {
        hint: 'Install the CUDA 12 runtime and cuDNN 9 that onnxruntime-node needs, or set the profile\'s device to auto (falls back to CPU) or cpu.',
        status: 503,
        details: { device: req.device, device_id: req.deviceId, cause: why },
        cause: e,
      });
    }
    const value = await open(sessionOptions(req, 'cpu'));
    return { value, choice: { provider: 'cpu', reason: `CUDA unavailable, fell back to CPU: ${why}` } };
  }
}

function cudaFailure(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Failed to load shared library|cannot open shared object/i.test(msg)) return `the CUDA execution provider libraries could not be loaded (${msg.trim()})`;
  return msg.trim();
}
