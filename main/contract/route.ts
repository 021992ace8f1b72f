import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One HTTP route (and, through the IPC bridge, one Electron call): method, path, whether
 * it needs the bearer token, and the runtime schemas of its inputs and output.
 */
export interface RouteSpec {
  method: HttpMethod;
  /** Fastify-style path; `:name` segments are params. */
  path: string;
  /** Mutating routes require `Authorization: Bearer <token>`. */
  auth: boolean;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** JSON response body schema (for `kind: 'json'`). */
  response: z.ZodType;
  /** Non-JSON responses: text, a file download, a server-sent-event stream, a multipart upload. */
  kind?: 'json' | 'text' | 'binary' | 'sse' | 'multipart';
  /** Statuses other than 200 that are part of the contract (e.g. 503 for /health). */
  alsoOk?: number[];
}

export function route<const R extends RouteSpec>(spec: R): R {
  return spec;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
type In<T> = T extends z.ZodType ? z.input<T> : undefined;

export type RouteParams<R extends RouteSpec> = Out<R['params']>;
export type RouteQuery<R extends RouteSpec> = Out<R['query']>;
export type RouteBody<R extends RouteSpec> = Out<R['body']>;
export type RouteResponse<R extends RouteSpec> = z.output<R['response']>;

/** What a client passes to call a route. */
export type RouteRequest<R extends RouteSpec> = (R['params'] extends z.ZodType ? { params: In<R['params']> } : { params?: undefined }) &
  (R['query'] extends z.ZodType ? { query?: In<R['query']> } : { query?: undefined }) &
  (R['body'] extends z.ZodType ? { body: In<R['body']> } : { body?: undefined });

/** Fill `:name` segments of a route path. */
export function buildPath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === null) throw new Error(`missing route parameter "${name}" for ${path}`);
    return encodeURIComponent(String(v));
  });
}

export function buildQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) sp.set(k, v.join(','));
    else sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}
