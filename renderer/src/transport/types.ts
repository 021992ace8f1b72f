import type { LiveEvent, RouteName, RouteRequest, RouteResponse, Routes } from '../../../main/contract';

export type FeedStatus = 'connecting' | 'open' | 'closed';

/** The renderer's one way to reach main: IPC in Electron, HTTP + SSE in a browser. */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  call<N extends RouteName>(name: N, req?: RouteRequest<Routes[N]>): Promise<RouteResponse<Routes[N]>>;
  /** Live events; onStatus reports the feed's connection state (reconnects by itself). */
  subscribe(onEvent: (e: LiveEvent) => void, onStatus: (s: FeedStatus) => void): () => void;
  /** Whether mutating calls can be made (a token is known or the bridge adds it). */
  hasToken(): boolean;
  setToken(token: string | null): void;
}

/** An API error with the server's readable message and hint. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function toApiError(status: number, body: unknown): ApiError {
  const err = (body as { error?: { code?: string; message?: string; hint?: string } } | null)?.error;
  return new ApiError(status, err?.code ?? 'http_error', err?.message ?? `Request failed with HTTP ${status}`, err?.hint);
}
