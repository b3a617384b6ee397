// tcp-server link: SCS listens and a front end connects and pushes the CADU byte stream. One front
// end at a time; a second one either replaces the first or is refused (secondConnection).
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../util/clock.ts';
import { addressFilter } from './allow.ts';
import type { TcpServerLinkConfig } from './config.ts';
import { LinkBase } from './core.ts';
import { Retry } from './retry.ts';

export class TcpServerLink extends LinkBase {
  readonly delivery = 'stream' as const;
  readonly #cfg: TcpServerLinkConfig;
  readonly #clock: Clock;
  readonly #retry: Retry;
  readonly #allowed: (ip: string) => boolean;
  #server: Server | null = null;
  #socket: Socket | null = null;
  readonly #listening = Promise.withResolvers<number>();

  constructor(id: string, station: string, cfg: TcpServerLinkConfig, clock: Clock) {
    super(id, station);
    this.#cfg = cfg;
    this.#clock = clock;
    this.#retry = new Retry(cfg.retry, clock);
    this.#allowed = addressFilter(id, cfg.allowFrom);
  }

  /** The bound port, once listening (useful with port 0). */
  listening(): Promise<number> {
    return this.#listening.promise;
  }

  protected open(): void {
    this.#listen();
  }

  protected async close(): Promise<void> {
    this.#retry.cancel();
    this.#socket?.destroy();
    this.#socket = null;
    const server = this.#server;
    this.#server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #listen(): void {
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    // Before 'listening' this is a failed bind (EADDRINUSE, EACCES): try again later, as a
    // station's port may be held by a process that is going away.
    server.on('error', (err) => {
      if (this.#server !== server) return;
      this.core.stats.connectFailures++;
      this.core.error(err);
      this.#server = null;
      server.close();
      if (this.core.running) this.#retry.schedule(() => this.#listen());
    });
    server.listen(this.#cfg.port, this.#cfg.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : this.#cfg.port;
      this.core.stats.port = port;
      this.#retry.reset();
      this.#listening.resolve(port);
    });
  }

  #accept(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (!this.core.running) {
      socket.destroy();
      return;
    }
    if (!this.#allowed(socket.remoteAddress ?? '')) {
      this.core.stats.rejected++;
      socket.destroy();
      return;
    }
    const old = this.#socket;
    if (old !== null) {
      if (this.#cfg.secondConnection === 'refuse') {
        this.core.stats.refused++;
        socket.destroy();
        return;
      }
      // Down then up again, so the sink flushes the byte stream of the old front end before the
      // new one's bytes arrive: the two streams must never be spliced in the synchroniser.
      this.core.stats.replaced++;
      this.#socket = null;
      old.destroy();
      this.core.setUp(false, `front end ${this.core.stats.peer} replaced by ${peer}`);
    }
    this.#socket = socket;
    this.core.stats.peer = peer;
    if (this.#cfg.keepAliveMs > 0) socket.setKeepAlive(true, this.#cfg.keepAliveMs);
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket === socket) this.core.data(chunk, this.#clock.nowUs());
    });
    socket.on('error', (err) => {
      if (this.#socket === socket) this.core.error(err);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.core.setUp(false, `front end ${peer} disconnected`);
    });
    this.core.setUp(true, `front end ${peer} connected`);
  }
}
