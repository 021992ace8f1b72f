import { buildPath, buildQuery, routes, type LiveEvent, type RouteName, type RouteRequest, type RouteResponse, type Routes } from '../../../main/contract';
import { toApiError, type FeedStatus, type Transport } from './types';

const tokenKey = 'whisperx.token';

/** Takes a token handed over in the URL fragment (#token=…) by `whisperx-console serve`, then hides it. */
function adoptTokenFromHash(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!m) return;
  localStorage.setItem(tokenKey, decodeURIComponent(m[1]!));
  history.replaceState(null, '', window.location.pathname + window.location.search);
}

export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  constructor(private readonly base = '') {
    adoptTokenFromHash();
  }

  hasToken(): boolean {
    return Boolean(localStorage.getItem(tokenKey));
  }

  setToken(token: string | null): void {
    if (token) localStorage.setItem(tokenKey, token);
    else localStorage.removeItem(tokenKey);
  }

  async call<N extends RouteName>(name: N, req?: RouteRequest<Routes[N]>): Promise<RouteResponse<Routes[N]>> {
    const spec = routes[name];
    const r = (req ?? {}) as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
    const headers: Record<string, string> = {};
    const token = localStorage.getItem(tokenKey);
    if (spec.auth && token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (r.body instanceof FormData) body = r.body;
    else if (r.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(r.body);
    }
    const res = await fetch(`${this.base}${buildPath(spec.path, r.params)}${buildQuery(r.query)}`, { method: spec.method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    const alsoOk: readonly number[] = 'alsoOk' in spec ? (spec.alsoOk as readonly number[]) : [];
    if (!res.ok && !alsoOk.includes(res.status)) throw toApiError(res.status, json);
    return json as RouteResponse<Routes[N]>;
  }

  subscribe(onEvent: (e: LiveEvent) => void, onStatus: (s: FeedStatus) => void): () => void {
    let source: EventSource | undefined;
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      onStatus('connecting');
      source = new EventSource(`${this.base}${routes.events.path}`);
      source.onopen = () => onStatus('open');
      source.onmessage = (m) => onEvent(JSON.parse(m.data as string) as LiveEvent);
      // Named events (event: <type>) arrive through their own listeners; one catch-all is enough.
      const forward = (m: MessageEvent) => onEvent(JSON.parse(m.data as string) as LiveEvent);
      for (const t of knownEventTypes) source.addEventListener(t, forward as EventListener);
      source.onerror = () => {
        onStatus('closed');
        // EventSource retries by itself unless the server answered with an error; then reopen.
        if (source?.readyState === EventSource.CLOSED && !closed) {
          source.close();
          retry = setTimeout(open, 2000);
        }
      };
    };
    open();
    return () => {
      closed = true;
      if (retry) clearTimeout(retry);
      source?.close();
    };
  }
}

/** Every event type the UI listens for on the SSE stream (named SSE events need explicit listeners). */
export const knownEventTypes: string[] = [
  'health',
  'config.changed',
  'config.error',
  'gpu.lock',
  'gpu.lock.health',
  'gpu.telemetry',
  'job.updated',
  'job.progress',
  'metrics',
  'alert',
  'alert.notification',
  'maintenance.run',
  'maintenance.overdue',
  'audit.entry',
];
