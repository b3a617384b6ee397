// udp link: one frame per datagram. Datagrams are unordered and unacknowledged, so there is no
// connection: the link is up from the first datagram and down after `silenceMs` without one.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Clock } from '../util/clock.ts';
import { addressFilter } from './allow.ts';
import type { UdpLinkConfig } from './config.ts';
import { LinkBase } from './core.ts';
import { Retry } from './retry.ts';

const REBIND = { initialDelayMs: 1000, maxDelayMs: 30_000 } as const;

export class UdpLink extends LinkBase {
  /** 'frame' datagrams are whole code blocks; 'cadu' ones go through the synchroniser. */
  readonly delivery: 'stream' | 'block';
  readonly #cfg: UdpLinkConfig;
  readonly #clock: Clock;
  readonly #retry: Retry;
  readonly #allowed: (ip: string) => boolean;
  #socket: Socket | null = null;
  #lastMs = 0;
  #silenceTimer: unknown = null;
  readonly #listening = Promise.withResolvers<number>();

  constructor(id: string, station: string, cfg: UdpLinkConfig, clock: Clock) {
    super(id, station);
    this.delivery = cfg.content === 'cadu' ? 'stream' : 'block';
    this.#cfg = cfg;
    this.#clock = clock;
    this.#retry = new Retry(REBIND, clock);
    this.#allowed = addressFilter(id, cfg.allowFrom);
  }

  /** The bound port, once bound (useful with port 0). */
  listening(): Promise<number> {
    return this.#listening.promise;
  }

  protected open(): void {
    this.#bind();
  }

  protected async close(): Promise<void> {
    this.#retry.cancel();
    this.#clearSilence();
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #bind(): void {
    const { host, port, receiveBufferBytes } = this.#cfg;
    const socket = createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      ...(receiveBufferBytes > 0 ? { recvBufferSize: receiveBufferBytes } : {}),
    });
    this.#socket = socket;
    let bound = false;
    socket.on('message', (msg, rinfo) => {
      if (this.#socket !== socket) return;
      if (!this.#allowed(rinfo.address)) {
        this.core.stats.rejected++;
        return;
      }
      this.#lastMs = this.#clock.monoMs();
      this.core.stats.peer = `${rinfo.address}:${rinfo.port}`;
      // Up before the datagram that brings it: the sink opens its contact (and clients their
      // pass) with the first frame, not after it.
      if (!this.core.stats.up) {
        this.core.setUp(true, `datagrams from ${this.core.stats.peer}`);
        this.#armSilence(this.#cfg.silenceMs);
      }
      this.core.data(msg, this.#clock.nowUs());
    });
    socket.on('error', (err) => {
      if (this.#socket !== socket) return;
      this.core.error(err);
      if (bound) return;
      this.core.stats.connectFailures++;
      this.#socket = null;
      socket.close();
      if (this.core.running) this.#retry.schedule(() => this.#bind());
    });
    socket.bind(port, host, () => {
      bound = true;
      this.#retry.reset();
      this.core.stats.port = socket.address().port;
      this.#listening.resolve(this.core.stats.port);
    });
  }

  // One timer per silence period, not one reset per datagram: at thousands of frames a second,
  // re-arming on every datagram would cost more than the check.
  #armSilence(delayMs: number): void {
    this.#silenceTimer = this.#clock.setTimeout(() => {
      this.#silenceTimer = null;
      const quiet = this.#clock.monoMs() - this.#lastMs;
      if (quiet >= this.#cfg.silenceMs) {
        this.core.setUp(false, `no datagram for ${this.#cfg.silenceMs} ms`);
      } else {
        this.#armSilence(this.#cfg.silenceMs - quiet);
      }
    }, delayMs);
  }

  #clearSilence(): void {
    if (this.#silenceTimer === null) return;
    this.#clock.clearTimeout(this.#silenceTimer);
    this.#silenceTimer = null;
  }
}
