// tcp-client link: SCS connects to a front end's host:port and reads the CADU byte stream; on any
// loss it reconnects with capped, jittered backoff until stopped.
import { connect, type Socket } from 'node:net';
import type { Clock } from '../util/clock.ts';
import type { TcpClientLinkConfig } from './config.ts';
import { LinkBase } from './core.ts';
import { LinkErrorCode } from './errors.ts';
import { Retry } from './retry.ts';

export class TcpClientLink extends LinkBase {
  readonly delivery = 'stream' as const;
  readonly #cfg: TcpClientLinkConfig;
  readonly #clock: Clock;
  readonly #retry: Retry;
  #socket: Socket | null = null;
  #connectTimer: unknown = null;

  constructor(id: string, station: string, cfg: TcpClientLinkConfig, clock: Clock, random?: () => number) {
    super(id, station);
    this.#cfg = cfg;
    this.#clock = clock;
    this.#retry = new Retry(cfg.reconnect, clock, random);
    this.core.stats.port = cfg.port;
  }

  protected open(): void {
    this.#connect();
  }

  protected async close(): Promise<void> {
    this.#retry.cancel();
    this.#clearConnectTimer();
    const socket = this.#socket;
    this.#socket = null;
    if (socket === null || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  #connect(): void {
    const { host, port } = this.#cfg;
    const target = `${host}:${port}`;
    const socket = connect({ host, port });
    this.#socket = socket;
    let connected = false;
    let received = false;
    this.#connectTimer = this.#clock.setTimeout(() => {
      this.#connectTimer = null;
      const err = Object.assign(new Error(`connect to ${target} timed out`), {
        code: LinkErrorCode.ERR_LINK_IO,
      });
      socket.destroy(err);
    }, this.#cfg.connectTimeoutMs);
    socket.once('connect', () => {
      this.#clearConnectTimer();
      connected = true;
      if (this.#cfg.keepAliveMs > 0) socket.setKeepAlive(true, this.#cfg.keepAliveMs);
      this.core.stats.peer = `${socket.remoteAddress}:${socket.remotePort}`;
      this.core.setUp(true, `connected to ${target}`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      received = true;
      this.core.data(chunk, this.#clock.nowUs());
    });
    let failure: string | null = null;
    socket.on('error', (err) => {
      if (this.#socket === socket) failure = this.core.error(err);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#clearConnectTimer();
      this.#socket = null;
      if (!connected) this.core.stats.connectFailures++;
      // Only a connection that carried data counts as good: one that a front end accepts and
      // drops at once keeps backing off.
      if (received) this.#retry.reset();
      this.core.setUp(false, failure ?? `${target} closed the connection`);
      if (this.core.running) this.#retry.schedule(() => this.#connect());
    });
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer === null) return;
    this.#clock.clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
  }
}
