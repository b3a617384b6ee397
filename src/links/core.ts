// What every link transport shares: the started/stopped guard, state changes reported only on
// change, the counters, and the last error (LinkCore); and the Link methods around them
// (LinkBase), so a transport writes only how it opens and closes.
import type { PacketIn } from '../acquisition/source.ts';
import { LinkError, LinkErrorCode } from './errors.ts';
import type { Link, LinkSink, LinkStats } from './link.ts';

export class LinkCore {
  readonly id: string;
  readonly stats: LinkStats = {
    up: false,
    bytes: 0,
    chunks: 0,
    connects: 0,
    disconnects: 0,
    rejected: 0,
    refused: 0,
    replaced: 0,
    connectFailures: 0,
    skippedBytes: 0,
  };
  #sink: LinkSink | null = null;
  #phase: 'new' | 'running' | 'stopped' = 'new';

  constructor(id: string) {
    this.id = id;
  }

  get running(): boolean {
    return this.#phase === 'running';
  }

  /** Throws ERR_LINK_STATE unless this is the first start. */
  begin(sink: LinkSink): void {
    if (this.#phase !== 'new') {
      throw new LinkError(LinkErrorCode.ERR_LINK_STATE, `link ${this.id} was already started`);
    }
    this.#phase = 'running';
    this.#sink = sink;
  }

  /** Returns false when the link was already stopped (stop() is idempotent). */
  end(reason: string): boolean {
    if (this.#phase !== 'running') {
      this.#phase = 'stopped';
      return false;
    }
    this.setUp(false, reason);
    this.#phase = 'stopped';
    this.#sink = null;
    return true;
  }

  setUp(up: boolean, reason: string): void {
    if (this.stats.up === up || this.#sink === null) return;
    this.stats.up = up;
    if (up) this.stats.connects++;
    else this.stats.disconnects++;
    this.#sink.state(up, reason);
  }

  data(bytes: Uint8Array, ertUs: number): void {
    if (this.#sink === null) return;
    this.stats.bytes += bytes.length;
    this.stats.chunks++;
    this.#sink.data(bytes, ertUs);
  }

  packet(p: PacketIn): void {
    if (this.#sink === null) return;
    this.stats.bytes += p.data.length;
    this.stats.chunks++;
    this.#sink.packet(p);
  }

  /** Null when the sink takes the next delivery now (no await per packet then); else a promise
   * that resolves when it does, or the link stopped. */
  paced(): Promise<void> | null {
    const first = this.#sink?.paced?.() ?? null;
    return first === null ? null : this.#waitPaced(first);
  }

  async #waitPaced(first: Promise<void>): Promise<void> {
    for (
      let wait: Promise<void> | null = first;
      wait !== null && this.running;
      wait = this.#sink?.paced?.() ?? null
    )
      await wait;
  }

  error(err: unknown, fallback: string = LinkErrorCode.ERR_LINK_IO): string {
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown } | null)?.code;
    this.stats.lastError = message;
    this.stats.lastErrorCode = typeof code === 'string' ? code : fallback;
    return message;
  }
}

/** start() once, stats() as a copy, stop() idempotent: a transport supplies open() and close(). */
export abstract class LinkBase implements Link {
  readonly id: string;
  readonly station: string;
  abstract readonly delivery: 'stream' | 'block';
  protected readonly core: LinkCore;
  #stopped: Promise<void> | null = null;

  constructor(id: string, station: string) {
    this.id = id;
    this.station = station;
    this.core = new LinkCore(id);
  }

  start(sink: LinkSink): void {
    this.core.begin(sink);
    this.open();
  }

  stats(): LinkStats {
    return { ...this.core.stats };
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.core.end('link stopped');
    await this.close();
  }

  /** Called once, by start(). */
  protected abstract open(): void;
  /** Called once, by the first stop(), after the link is marked stopped (and down). */
  protected abstract close(): Promise<void>;
}
