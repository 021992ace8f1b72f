import { routes, type ConsoleBridge, type LiveEvent, type RouteName, type RouteRequest, type RouteResponse, type Routes } from '../../../main/contract';
import { toApiError, type FeedStatus, type Transport } from './types';

/** Electron: calls go through the preload bridge; main adds the token and runs the same handlers. */
export class IpcTransport implements Transport {
  readonly kind = 'ipc' as const;
  constructor(private readonly bridge: ConsoleBridge) {}
  hasToken(): boolean {
    return true;
  }
  setToken(): void {}
  async call<N extends RouteName>(name: N, req?: RouteRequest<Routes[N]>): Promise<RouteResponse<Routes[N]>> {
    const r = (req ?? {}) as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
    const res = await this.bridge.call({ route: name, ...r });
    const spec = routes[name];
    const alsoOk: readonly number[] = 'alsoOk' in spec ? (spec.alsoOk as readonly number[]) : [];
    if (res.status >= 400 && !alsoOk.includes(res.status)) throw toApiError(res.status, res.body);
    return res.body as RouteResponse<Routes[N]>;
  }
  subscribe(onEvent: (e: LiveEvent) => void, onStatus: (s: FeedStatus) => void): () => void {
    onStatus('open');
    return this.bridge.onEvent(onEvent);
  }
}
