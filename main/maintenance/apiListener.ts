import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ListenerRestart {
  host: string;
  port: number;
  closed_connections: number;
  drained_requests: number;
  waited_ms: number;
  /** Requests still running when the grace period ended (their connections were closed). */
  cut_requests: number;
}

/**
 * Restarts the API's HTTP listener in place: stop accepting, let running requests finish
 * (up to a grace period), close every connection — live-feed streams included, clients
 * reconnect — and listen again on the same address. The fastify instance, its routes and
 * the services behind them stay; see docs/maintenance.md for what this does not reset.
 */
export class HttpListenerRestarter {
  private readonly sockets = new Set<Socket>();
  private readonly running = new Map<IncomingMessage, Socket>();

  constructor(
    private readonly server: Server,
    /** Long-lived requests (the live feed) are not waited for. */
    private readonly isStream: (req: IncomingMessage) => boolean,
  ) {
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('request', (req: IncomingMessage, res) => {
      if (this.isStream(req)) return;
      this.running.set(req, req.socket);
      res.once('close', () => this.running.delete(req));
    });
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** `keep`: the request asking for the restart (its connection stays open for the answer). */
  async restart(opts: { graceMs: number; keep?: IncomingMessage }): Promise<ListenerRestart> {
    const addr = this.server.address() as AddressInfo | null;
    if (!addr || typeof addr !== 'object') throw new Error('the API server is not listening');
    const keepSocket = opts.keep?.socket;
    const others = () => [...this.running].filter(([req]) => req !== opts.keep);
    const runningAtStart = others().length;
    const t0 = Date.now();
    // New connections are refused from here on; open ones still finish their requests.
    this.server.close();
    while (others().length > 0 && Date.now() - t0 < opts.graceMs) await new Promise((r) => setTimeout(r, 25));
    const cut = others().length;
    let closed = 0;
    for (const s of [...this.sockets]) {
      if (s === keepSocket) continue;
      s.destroy();
      closed++;
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(addr.port, addr.address, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    return { host: addr.address, port: addr.port, closed_connections: closed, drained_requests: runningAtStart - cut, waited_ms: Date.now() - t0, cut_requests: cut };
  }
}
