// The TCP front door. It never reads a client byte: it applies only what needs none
// (per-IP connect rate, the socket ceiling) and moves each socket to an actor.
import net from 'node:net';
import { MessageType, NakCode } from '../../protocol/constants.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import type { Admission } from '../admission/admission.ts';
import type { Quotas } from '../admission/quota.ts';
import { MainCounters } from '../metrics/registry.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { ActorPool } from './actor-pool.ts';
import { ConnectRateLimiter } from './rate-limit.ts';
import { SlotAllocator } from './slots.ts';

export interface ListenerOptions {
  host: string;
  port: number;
  maxSockets: number;
  maxSocketsPerIp: number;
  connectRatePerIp: number;
  clock: Clock;
  admission: Admission;
  /** Archive query quotas: what a dead actor's sessions held is given back too. */
  quotas: Quotas;
  log: Logger;
}

export class Listener {
  readonly counters = new MainCounters();
  readonly #opts: ListenerOptions;
  readonly #server: net.Server;
  readonly #limiter: ConnectRateLimiter;
  readonly #slots: SlotAllocator;
  /** Open sockets per remote address. */
  readonly #perIp = new Map<string, number>();
  /** Where sockets go; until attach(), accepted sockets wait paused in #waiting. */
  #pool: ActorPool | null = null;
  readonly #waiting: net.Socket[] = [];

  constructor(opts: ListenerOptions) {
    this.#opts = opts;
    this.#limiter = new ConnectRateLimiter(opts.connectRatePerIp, opts.clock);
    this.#slots = new SlotAllocator(opts.maxSockets);
    // Paused: the bytes stay in the kernel until the actor that owns the socket reads them.
    this.#server = net.createServer({ pauseOnConnect: true, noDelay: true }, (s) => this.#accept(s));
    this.#server.on('error', (err) => opts.log.error({ err }, 'listener error'));
  }

  get openSockets(): number {
    return this.#opts.maxSockets - this.#slots.available;
  }

  /** Starts handing sockets to `pool`, those that arrived since listen() first. */
  attach(pool: ActorPool): void {
    this.#pool = pool;
    for (const s of this.#waiting.splice(0)) if (!s.destroyed) this.#accept(s);
  }

  /** Binds the port (the server may still be starting: sockets wait for attach()). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.#opts.host, port: this.#opts.port, backlog: 4096 }, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting; open sessions are the actors' to close. */
  close(): Promise<void> {
    for (const s of this.#waiting.splice(0)) s.destroy();
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
    });
  }

  #refuse(socket: net.Socket, reason: string): void {
    // Refused before any REQUEST: a NAK still tells a well-behaved client why.
    socket.end(
      encodeMessage(MessageType.NAK, 0, this.#opts.clock.nowUs(), { code: NakCode.SERVER_FULL, reason }),
    );
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('error', () => socket.destroy());
  }

  #accept(socket: net.Socket): void {
    const pool = this.#pool;
    if (pool === null) {
      this.#waiting.push(socket);
      return;
    }
    const ip = socket.remoteAddress ?? '';
    const port = socket.remotePort ?? 0;
    if (!this.#limiter.allow(ip)) {
      this.counters.rejected.rate++;
      this.#refuse(socket, 'connect rate limit for this address');
      return;
    }
    const open = this.#perIp.get(ip) ?? 0;
    if (open >= this.#opts.maxSocketsPerIp) {
      this.counters.rejected.ceiling++;
      this.#refuse(socket, 'socket limit for this address reached');
      return;
    }
    const slot = this.#slots.take();
    if (slot < 0) {
      this.counters.rejected.ceiling++;
      this.#opts.log.warn({ remote: ip, maxSockets: this.#opts.maxSockets }, 'socket ceiling reached');
      this.#refuse(socket, 'server socket ceiling reached');
      return;
    }
    this.counters.accepted++;
    this.#perIp.set(ip, open + 1);
    const release = () => {
      const n = (this.#perIp.get(ip) ?? 1) - 1;
      if (n > 0) this.#perIp.set(ip, n);
      else this.#perIp.delete(ip);
      // The actor frees the admission slot when the session ends; after an actor crash
      // nobody did, so the main thread does (release is idempotent across threads).
      this.#opts.admission.release(slot);
      this.#opts.quotas.give(slot);
      this.#slots.give(slot);
    };
    try {
      pool
        .host(socket, { slot, remoteAddress: ip, remotePort: port })
        .catch((err: unknown) => {
          this.#opts.log.error({ err, remote: `${ip}:${port}` }, 'session lost with its actor');
        })
        .finally(release);
    } catch (err) {
      this.#opts.log.error({ err }, 'could not hand socket to an actor');
      socket.destroy();
      release();
    }
  }
}
