// Operations HTTP endpoint of the main thread: Prometheus scrape, liveness, readiness.
// It shares the main thread's event loop with the client listener, so every handler is
// short, and no failure in here may escape into that loop.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../util/logger.ts';

export interface Health {
  ok: boolean;
  detail: Record<string, unknown>;
}

/**
 * A mounted handler (ops control, the Open MCT display): returns true when it answered the
 * request, false to let the next one (and finally the built-in routes) try.
 */
export type OpsRoute = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** A WebSocket (or other) upgrade handler: returns true when it took the socket. */
export type OpsUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer) => boolean;

export interface OpsHttpOptions {
  host: string;
  port: number;
  registry: Registry;
  health: () => Health;
  ready: () => boolean;
  logger: Logger;
  /** Tried in order before the built-in routes. */
  routes?: readonly OpsRoute[];
  /** Tried in order on 'upgrade'; a request none takes is refused with 404. */
  upgrades?: readonly OpsUpgrade[];
}

export interface OpsHttp {
  /** The bound port (useful with port 0). */
  port: number;
  /** Stops listening and drops open connections; resolves once closed. Idempotent. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON_TYPE, JSON.stringify(body));
}

async function route(req: IncomingMessage, res: ServerResponse, opts: OpsHttpOptions): Promise<void> {
  for (const r of opts.routes ?? []) if (await r(req, res)) return;
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    sendJson(res, 405, { error: 'method not allowed' });
    return;
  }
  const path = (req.url ?? '/').split('?', 1)[0];
  switch (path) {
    case '/metrics':
      send(res, 200, opts.registry.contentType, await opts.registry.metrics());
      return;
    case '/healthz': {
      const h = opts.health();
      sendJson(res, h.ok ? 200 : 503, { ok: h.ok, detail: h.detail });
      return;
    }
    case '/readyz': {
      const ready = opts.ready();
      sendJson(res, ready ? 200 : 503, { ready });
      return;
    }
    default:
      sendJson(res, 404, { error: 'not found' });
  }
}

export { send, sendJson };

export async function startOpsHttp(opts: OpsHttpOptions): Promise<OpsHttp> {
  const { logger } = opts;
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    route(req, res, opts).catch((err: unknown) => {
      logger.error({ err, url: req.url }, 'ops http request failed');
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: 'internal error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    try {
      for (const u of opts.upgrades ?? []) if (u(req, socket, head)) return;
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    } catch (err) {
      logger.error({ err, url: req.url }, 'ops http upgrade failed');
      socket.destroy();
    }
  });
  // After a successful bind an 'error' without a listener would crash the process.
  server.on('error', (err) => logger.error({ err }, 'ops http server error'));

  const port = (server.address() as AddressInfo).port;
  logger.info({ host: opts.host, port }, 'ops http listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Scrapers keep connections alive; without this close() would wait for them.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
