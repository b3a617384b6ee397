// The actor's reader loop: sleeps on the ring doorbell, reads each new record once
// per actor, and hands every group of identical subscriptions one shared DATA body.
import { STREAMS } from '../../protocol/constants.ts';
import { ReadStatus, type RecordMeta } from '../ring/ring.ts';
import type { ActorContext } from './context.ts';
import { DataBuilder, type SharedData } from './data-body.ts';
import type { Selection } from './selection.ts';

/** The fan-out's view of a session subscribed to a realtime stream. */
export interface Subscriber {
  readonly selection: Selection;
  /** Next ring position this subscriber has not seen. */
  cursor: number;
  /** Subscribers with equal share keys and cursors get the same DATA bodies. */
  shareKey(): string;
  /** Per-subscriber gate (rate decimation, snapshot overlap); only called for unshared subscribers. */
  admit(meta: RecordMeta): boolean;
  deliver(data: SharedData): void;
  /** Ring positions this subscriber can no longer get (overwritten before the actor read them). */
  lost(positions: number): void;
  /** Ends the subscriber's session after an internal error (NAK INTERNAL). */
  fail(err: unknown): void;
}

/** Records read per ring per pump: bounds the scratch memory and the time between event-loop turns. */
const WINDOW = 4096;

class Window {
  readonly scratch: Uint8Array;
  readonly length = new Int32Array(WINDOW);
  readonly seq = new Float64Array(WINDOW);
  readonly ert = new Float64Array(WINDOW);
  readonly scet = new Float64Array(WINDOW);
  readonly key1 = new Int32Array(WINDOW);
  readonly key2 = new Int32Array(WINDOW);
  readonly quality = new Int32Array(WINDOW);
  readonly slotBytes: number;
  from = 0;
  to = 0;

  constructor(slotBytes: number) {
    this.slotBytes = slotBytes;
    this.scratch = new Uint8Array(WINDOW * slotBytes);
  }

  load(ctx: ActorContext, ring: number, from: number, to: number, meta: RecordMeta): void {
    this.from = from;
    this.to = to;
    for (let pos = from; pos < to; pos++) {
      const i = pos - from;
      const n = ctx.reader.read(ring, pos, meta, this.scratch, i * this.slotBytes);
      this.length[i] = n;
      if (n < 0) continue;
      this.seq[i] = meta.seq;
      this.ert[i] = meta.ert;
      this.scet[i] = meta.scet;
      this.key1[i] = meta.key1;
      this.key2[i] = meta.key2;
      this.quality[i] = meta.quality;
    }
  }

  fill(i: number, meta: RecordMeta): void {
    meta.seq = this.seq[i]!;
    meta.ert = this.ert[i]!;
    meta.scet = this.scet[i]!;
    meta.key1 = this.key1[i]!;
    meta.key2 = this.key2[i]!;
    meta.quality = this.quality[i]!;
  }
}

export class Fanout {
  readonly #ctx: ActorContext;
  readonly #subs: Set<Subscriber>[] = STREAMS.map(() => new Set());
  readonly #windows: Window[];
  readonly #builders = STREAMS.map((s) => new DataBuilder(s));
  readonly #meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  readonly #maxBytes: number;
  readonly #maxRecords: number;
  #running = false;
  #stopped: Promise<void> = Promise.resolve();

  constructor(ctx: ActorContext) {
    this.#ctx = ctx;
    this.#windows = STREAMS.map((_, r) => new Window(ctx.reader.slotBytes(r)));
    this.#maxBytes = ctx.config.session.maxDataBytes;
    this.#maxRecords = ctx.config.session.maxRecordsPerData;
  }

  add(sub: Subscriber): void {
    this.#subs[sub.selection.ring]!.add(sub);
  }

  remove(sub: Subscriber): void {
    this.#subs[sub.selection.ring]!.delete(sub);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopped = this.#loop().catch((err: unknown) => {
      // The loop itself failing leaves every session of this actor without data: let the
      // actor die so the pool replaces it and its clients reconnect elsewhere.
      this.#ctx.logger.fatal({ err }, 'fan-out loop failed');
      setImmediate(() => {
        throw err;
      });
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#stopped;
  }

  async #loop(): Promise<void> {
    const control = this.#ctx.control;
    while (this.#running) {
      const seen = control.doorbell();
      const more = this.pump();
      this.#ctx.metrics.tick(this.#ctx.clock.nowMs());
      // A resolved wait is a microtask: without a macrotask turn here a busy ring
      // would starve socket I/O and the other sessions' timers of this actor.
      if (more || control.doorbell() !== seen) await new Promise<void>((r) => setImmediate(r));
      else await control.waitDoorbell(seen, 1000);
    }
  }

  /** Delivers everything readable now; returns true when a window was full (more to read). */
  pump(): boolean {
    let more = false;
    for (let r = 0; r < STREAMS.length; r++) {
      const subs = this.#subs[r]!;
      if (subs.size === 0) continue;
      const reader = this.#ctx.reader;
      const head = reader.head(r);
      const oldest = reader.oldest(r);
      let from = Number.POSITIVE_INFINITY;
      for (const s of subs) {
        if (s.cursor < oldest) {
          s.lost(oldest - s.cursor);
          s.cursor = oldest;
        }
        if (s.cursor < from) from = s.cursor;
      }
      if (from >= head) {
        this.#ctx.metrics.setLag(r, 0);
        continue;
      }
      const to = Math.min(head, from + WINDOW);
      if (to < head) more = true;
      const win = this.#windows[r]!;
      win.load(this.#ctx, r, from, to, this.#meta);
      for (const group of groupSubscribers(subs)) {
        try {
          this.#serve(r, win, group);
        } catch (err) {
          // A bug must cost the sessions it touched, not the actor's other sessions.
          this.#ctx.logger.error({ err }, 'fan-out failed for a group of sessions');
          for (const s of group) s.fail(err);
        }
      }
      this.#ctx.metrics.setLag(r, head - to);
    }
    return more;
  }

  #serve(r: number, win: Window, group: Subscriber[]): void {
    const lead = group[0]!;
    const gated = lead.shareKey() === '';
    const builder = this.#builders[r]!;
    const meta = this.#meta;
    let lost = 0;
    const emit = () => {
      if (builder.count === 0) return;
      const data = builder.build();
      for (const s of group) s.deliver(data);
    };
    for (let pos = lead.cursor; pos < win.to; pos++) {
      const i = pos - win.from;
      const n = win.length[i]!;
      if (n === ReadStatus.OVERRUN) {
        lost++;
        continue;
      }
      if (n < 0) break;
      win.fill(i, meta);
      if (!lead.selection.matches(meta)) continue;
      if (gated && !lead.admit(meta)) continue;
      if (lost > 0) {
        emit();
        for (const s of group) s.lost(lost);
        lost = 0;
      }
      builder.add(win.scratch, i * win.slotBytes, n, meta.seq, meta.ert);
      if (builder.count >= this.#maxRecords || builder.bytes >= this.#maxBytes) emit();
    }
    emit();
    if (lost > 0) for (const s of group) s.lost(lost);
    for (const s of group) s.cursor = win.to;
  }
}

/** Groups by (share key, cursor); subscribers with an empty share key are served alone. */
function groupSubscribers(subs: Set<Subscriber>): Subscriber[][] {
  const groups = new Map<string, Subscriber[]>();
  const alone: Subscriber[][] = [];
  for (const s of subs) {
    const key = s.shareKey();
    if (key === '') {
      alone.push([s]);
      continue;
    }
    const k = `${key}@${s.cursor}`;
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  return [...groups.values(), ...alone];
}
