import type { IpcMainInvokeEvent } from 'electron';
import { buildPath, buildQuery, routes, type BridgeCall, type BridgeResponse, type RouteName, type RouteSpec } from '../main/contract';
import type { ConsoleServer } from '../main/server';

function isRouteName(x: unknown): x is RouteName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(routes, x);
}

/**
 * Runs one bridge call through the same HTTP handlers (fastify inject), so Electron and the
 * browser share one implementation; the sender must be the app's own page.
 */
export async function handleBridgeCall(
  server: ConsoleServer,
  isAppFrame: (url: string) => boolean,
  event: IpcMainInvokeEvent,
  req: BridgeCall,
): Promise<BridgeResponse> {
  const frameUrl = event.senderFrame?.url ?? '';
  if (!isAppFrame(frameUrl)) return { status: 403, body: { error: { code: 'foreign_sender', message: `IPC from ${frameUrl} refused` } } };
  if (!req || !isRouteName(req.route)) return { status: 404, body: { error: { code: 'not_found', message: `No route "${String(req?.route)}"` } } };
  const spec: RouteSpec = routes[req.route];
  if (spec.kind === 'sse') return { status: 400, body: { error: { code: 'bad_request', message: 'The live feed arrives as IPC events' } } };
  const url = buildPath(spec.path, req.params) + buildQuery(req.query);
  const headers: Record<string, string> = { host: `127.0.0.1:${server.port}`, authorization: `Bearer ${server.token}` };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const res = await server.app.inject({
    method: spec.method,
    url,
    headers,
    ...(req.body !== undefined ? { payload: JSON.stringify(req.body) } : {}),
  });
  let body: unknown = res.body;
  if ((res.headers['content-type'] ?? '').toString().includes('json')) body = res.json();
  return { status: res.statusCode, body };
}
