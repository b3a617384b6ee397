// The actor's reader loop: sleeps on the ring doorbell, reads each new record once
// per actor, and hands every group of identical subscriptions one shared DATA body.
import { STREAMS } from '../../protocol/constants.ts';
import type { RecordMeta } from '../ring/ring.ts';
import type { ActorContext } from './context.ts';
import { DataBuilder, type SharedData } from './data-body.ts';
import type { Selection } from './selection.ts';
import { Window } from './window.ts';

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
  /** True while the subscriber would skip whatever it is given (delivery: latest, falling behind). */
  congested(): boolean;
  /** Counts matching records the subscriber did not get because it was congested. */
  skip(records: number): void;
  /** Ring position where its current run of skipped records began, or -1. */
  readonly missedFrom: number;
  /** seq of the last record it was sent (0 if none). */
  readonly lastSeqSent: number;
  /** Takes back records counted as skipped that catchUp() is about to send after all. */
  unskip(records: number): void;
  /** Ends the subscriber's session after an internal error (NAK INTERNAL). */
  fail(err: unknown): void;
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
    this.#windows = STREAMS.map((_, r) => new Window(ctx.reader, r));
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
      const win = this.#windows[r]!;
      // The window may end before `from + capacity` (payload bytes): it says where.
      win.load(from, Math.min(head, from + win.capacity));
      const to = win.to;
      if (to < head) more = true;
      for (const group of groupSubscribers(subs)) {
        // A subscriber that joined ahead of this window (at a newer head) waits for a later one.
        if (group[0]!.cursor >= to) continue;
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

  /**
   * Re-serves, now, the newest (up to `maxRecords`) records a congested subscriber skipped
   * in its current run of skipping, and takes them out of its skipped count.
   */
  catchUp(sub: Subscriber, maxRecords: number): void {
    // Gated subscribers would filter the re-served records again; they wait for new data.
    if (sub.shareKey() === '' || sub.missedFrom < 0) return;
    const r = sub.selection.ring;
    const reader = this.#ctx.reader;
    const floor = Math.max(reader.oldest(r), sub.missedFrom);
    const meta = this.#meta;
    let start = sub.cursor;
    let found = 0;
    for (let pos = sub.cursor - 1; pos >= floor && found < maxRecords; pos--) {
      // Overwritten: everything older is too. Sent already (a window is sent in several
      // DATA, and skipping may start halfway): everything older is too.
      if (reader.readMeta(r, pos, meta) < 0 || meta.seq <= sub.lastSeqSent) break;
      if (!sub.selection.matches(meta)) continue;
      found++;
      start = pos;
    }
    if (found === 0) return;
    sub.unskip(found);
    sub.cursor = start;
    const win = this.#windows[r]!;
    const to = Math.min(reader.head(r), start + win.capacity);
    win.load(start, to);
    this.#serve(r, win, [sub]);
  }

  #serve(r: number, win: Window, group: Subscriber[]): void {
    if (group.every((s) => s.congested())) this.#skipAll(win, group);
    else this.#send(r, win, group);
    for (const s of group) s.cursor = Math.max(s.cursor, win.to);
  }

  /** Nobody in the group would take data now: count what it misses, copy nothing. */
  #skipAll(win: Window, group: Subscriber[]): void {
    const lead = group[0]!;
    if (lead.selection.everything && lead.shareKey() !== '') {
      // Every position is a record it misses, readable or overwritten: no need to look.
      for (const s of group) s.skip(win.to - lead.cursor);
      return;
    }
    const meta = this.#meta;
    const gated = lead.shareKey() === '';
    let matched = 0;
    let lost = 0;
    for (let pos = lead.cursor; pos < win.to; pos++) {
      const i = pos - win.from;
      if (!win.readable(i)) {
        lost++;
        continue;
      }
      win.fill(i, meta);
      // A gated subscriber (rateHz) misses only what its gate would have let through.
      if (lead.selection.matches(meta) && (!gated || lead.admit(meta))) matched++;
    }
    for (const s of group) {
      if (matched > 0) s.skip(matched);
      if (lost > 0) s.lost(lost);
    }
  }

  #send(r: number, win: Window, group: Subscriber[]): void {
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
      if (!win.readable(i)) {
        lost++;
        continue;
      }
      win.fill(i, meta);
      if (!lead.selection.matches(meta)) continue;
      if (gated && !lead.admit(meta)) continue;
      const n = win.payload(i);
      if (n < 0) {
        lost++;
        continue;
      }
      if (lost > 0) {
        emit();
        for (const s of group) s.lost(lost);
        lost = 0;
      }
      // Checked before adding: a body never passes maxDataBytes (the config keeps that under ICD's 4 MiB).
      if (builder.count >= this.#maxRecords || builder.bytes + n > this.#maxBytes) emit();
      builder.add(win.scratch, win.offset(i), n, meta.seq, meta.ert);
    }
    emit();
    if (lost > 0) for (const s of group) s.lost(lost);
  }
}

/** Groups by (share key, cursor); subscribers with an empty share key are served alone. */
function groupSubscribers(subs: Set<Subscriber>): Subscriber[][] {
  // Nested maps, not a "key@cursor" string: no string is built per subscriber per pump.
  const byKey = new Map<string, Map<number, Subscriber[]>>();
  const out: Subscriber[][] = [];
  for (const s of subs) {
    const key = s.shareKey();
    if (key === '') {
      out.push([s]);
      continue;
    }
    let byCursor = byKey.get(key);
    if (byCursor === undefined) {
      byCursor = new Map();
      byKey.set(key, byCursor);
    }
    const g = byCursor.get(s.cursor);
    if (g) g.push(s);
    else byCursor.set(s.cursor, [s]);
  }
  for (const byCursor of byKey.values()) for (const g of byCursor.values()) out.push(g);
  return out;
}
