// A session's realtime subscription: its cursor in the ring, its delivery policy for
// falling behind (ICD §6), rate decimation, and the value-table snapshot it starts with.
// Its replays from the archive (`since`, `mode: archive`) are subscription-replay.ts.
import { ByeReason, MessageType } from '../../protocol/constants.ts';
import { unpack } from '../../protocol/msgpack.ts';
import { createRateGate, type RateGate, rateKeep, rateSent } from '../archive/rate-gate.ts';
import { AgencyCounter } from '../metrics/counters.ts';
import type { RecordMeta } from '../ring/ring.ts';
import type { Grant } from './authorize.ts';
import { archiveFilter, type BackfillTarget } from './backfill.ts';
import { allowanceOf, Backlog, type Behind } from './backlog.ts';
import type { ActorContext } from './context.ts';
import { type SharedData, singleData } from './data-body.ts';
import type { Fanout, Subscriber } from './fanout.ts';
import type { ValidRequest } from './request.ts';
import { Selection } from './selection.ts';
import type { Session } from './session.ts';
import { SubscriptionReplay } from './subscription-replay.ts';

/** How many of the newest skipped records a `latest` client gets when it has caught up. */
const LATEST_CATCH_UP = 64;

export class Subscription implements Subscriber {
  readonly selection: Selection;
  cursor = 0;
  /** ERT of the last record sent (HEARTBEAT `lastDataTime`). */
  lastDataTime = 0;
  readonly #ctx: ActorContext;
  readonly #session: Session;
  readonly #fanout: Fanout;
  readonly #req: ValidRequest;
  readonly #grant: Grant;
  readonly #agency: number;
  /** Records skipped since the previous DATA, reported in the next one. */
  #skipped = 0;
  /** Ring position where the current run of skipping began; -1 when not skipping. */
  #missedFrom = -1;
  #retired = false;
  readonly #replay: SubscriptionReplay;
  #lastSeqSent = 0;
  /** seq of the stream's newest record at activation (undefined: none in the ring); ACK `head`. */
  headSeq: number | undefined;
  /** Records up to this seq are not sent live: in the snapshot DATA, or at or below `since`. */
  #snapshotSeq = -1;
  /** `rateHz`: the one gate of live, catch-up and archive records (src/archive/rate-gate.ts). */
  readonly #rate: RateGate | undefined;
  /** `delivery: complete`: how far behind the client is, and the allowance (backlog.ts). */
  readonly #backlog: Backlog | null;

  constructor(
    ctx: ActorContext,
    session: Session,
    fanout: Fanout,
    req: ValidRequest,
    grant: Grant,
    owedSkipped: number,
  ) {
    this.#ctx = ctx;
    this.#session = session;
    this.#fanout = fanout;
    this.#skipped = owedSkipped;
    this.#req = req;
    this.#grant = grant;
    this.#agency = grant.agency.index;
    this.selection = new Selection(req, grant.parameters, ctx.dictionary.length, grant.eventParameters);
    this.#rate =
      req.rateHz === undefined
        ? undefined
        : createRateGate(req.rateHz, ctx.dictionary.length, req.mode === 'archive' ? req.timeBy : 'ert');
    this.#backlog =
      req.delivery === 'complete' ? new Backlog(allowanceOf(ctx.config.session, grant.agency.session)) : null;
    const parameters = this.selection.everything ? undefined : grant.parameters;
    const filter = archiveFilter(req, parameters, grant.eventParameters);
    this.#replay = new SubscriptionReplay(ctx, session.out, req, filter, this.#rate, () => this.#open);
  }

  /** True once an archive replay has sent END (heartbeats then say IDLE). */
  get ended(): boolean {
    return this.#replay.ended;
  }

  /** True while an archive replay runs. */
  get replaying(): boolean {
    return this.#replay.replaying;
  }

  /** Joins the live stream at the ring head. */
  join(): void {
    // The head is taken before the snapshot: a sample committed in between is either in
    // the snapshot (then skipped in admit() by seq) or after it, so none is lost or repeated.
    this.cursor = this.#ctx.reader.head(this.selection.ring);
    // ACK `head` (SPEC §6): the seq just below the cursor (same head load), so every live record
    // is larger; if the writer lapped the whole ring meanwhile, `head` is left out, not guessed.
    const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
    const read = this.cursor > 0 ? this.#ctx.reader.readMeta(this.selection.ring, this.cursor - 1, meta) : -1;
    this.headSeq = read >= 0 ? meta.seq : undefined;
  }

  /** Ends this subscription's own activity (a switch replaced it, or the session ended). */
  retire(): void {
    this.#retired = true;
    // Closing the query's port ends its pool task: no page is read for a client that left.
    this.#replay.close();
  }

  get #open(): boolean {
    return this.#session.open && !this.#retired;
  }

  /**
   * Starts delivery once the ACK is out (ICD §5): the archive range then END, or the records
   * after `since` then live, or the value snapshot then live. `release` gives the archive quota
   * back when a replay ends.
   */
  start(release: () => void): void {
    const fail = (err: unknown) => this.#session.fail(err);
    if (this.#req.mode === 'archive') {
      this.#replay
        .archive(this.#target())
        .finally(release)
        .then((records) => {
          if (records === undefined || !this.#open) return;
          this.#session.out.send(MessageType.END, { records, reason: 'COMPLETE' });
        }, fail);
      return;
    }
    if (this.#req.since === undefined) {
      this.sendSnapshot();
      this.#fanout.add(this);
      return;
    }
    // Resume: the records after `since` first, then live (ICD §5), with no gap and no duplicate.
    // The live gate drops any record with seq <= since (rev B: never sent, whatever raced the check).
    this.#snapshotSeq = this.#req.since;
    this.#replay
      .since(this.#req.since, this.#target(), () => this.#session.claimArchive())
      .finally(release)
      .then((cursor) => {
        if (cursor === undefined || !this.#open) return;
        this.cursor = cursor;
        this.#fanout.add(this);
        // The join is up to JOIN_DISTANCE behind the head: deliver that now, not at the next
        // doorbell, which a quiet stream may not ring for long (the catch-up would end late).
        if (this.cursor < this.#ctx.reader.head(this.selection.ring)) this.#fanout.pump();
      }, fail);
  }

  /** This subscription as the destination of a replay (since backfill, archive mode). */
  #target(): BackfillTarget {
    const self = this;
    return {
      selection: this.selection,
      get open() {
        return self.#open;
      },
      sendRecords: (records) => this.sendRecords(records, false),
      sendData: (data, skipped) => {
        if (skipped > 0) this.#skip(skipped);
        this.#send(false, data);
      },
      writable: () => this.#replay.writable(),
      gap: (n) => this.#skip(n),
    };
  }

  /** A parameters session starts with the current value of every subscribed parameter. */
  sendSnapshot(): void {
    const indices = this.#grant.parameters;
    if (this.#req.stream !== 'parameters' || indices === undefined) return;
    const entries: { payload: Uint8Array; seq: number; ert: number; index: number }[] = [];
    this.#ctx.values.snapshot(indices, (index, payload) => {
      const copy = Uint8Array.from(payload);
      const rec = unpack(copy) as { seq: number; ert: number };
      entries.push({ payload: copy, seq: rec.seq, ert: rec.ert, index });
    });
    if (entries.length === 0) return;
    // ICD §6: records within a session are in acquisition order.
    entries.sort((a, b) => a.seq - b.seq);
    this.#snapshotSeq = entries[entries.length - 1]!.seq;
    if (this.#rate) for (const e of entries) rateSent(this.#rate, e.index, e.ert);
    this.sendRecords(entries, false);
  }

  /** Sends records (in seq order) in as many DATA as the per-message caps need (ICD §2: at most 4 MiB). */
  sendRecords(records: readonly { payload: Uint8Array; seq: number; ert: number }[], live: boolean): void {
    const { maxDataBytes, maxRecordsPerData } = this.#ctx.config.session;
    for (let from = 0; from < records.length; ) {
      let to = from;
      let bytes = 0;
      while (
        to < records.length &&
        to - from < maxRecordsPerData &&
        bytes + records[to]!.payload.length <= maxDataBytes
      ) {
        bytes += records[to]!.payload.length;
        to++;
      }
      const chunk = records.slice(from, Math.max(to, from + 1));
      this.#send(
        live,
        singleData(
          this.#req.stream,
          chunk.map((e) => e.payload),
          chunk.map((e) => e.seq),
          chunk.map((e) => e.ert),
        ),
      );
      from += chunk.length;
    }
  }

  shareKey(): string {
    return this.#rate !== undefined || this.#snapshotSeq >= 0 ? '' : this.selection.key;
  }

  admit(meta: RecordMeta): boolean {
    if (this.#snapshotSeq >= 0) {
      if (meta.seq <= this.#snapshotSeq) return false;
      this.#snapshotSeq = -1;
    }
    return this.#rate === undefined || rateKeep(this.#rate, meta.key1, meta.ert, meta.scet);
  }

  congested(): boolean {
    // Falling behind: the kernel and our buffer already hold the backlog this client
    // may have; more would only age. It misses what comes now and gets the newest later.
    return (
      this.#req.delivery === 'latest' &&
      this.#session.out.buffered > this.#ctx.config.session.latestHighWaterBytes
    );
  }

  skip(records: number): void {
    if (this.#session.open) this.#skip(records);
  }

  /** Skipped records not reported yet (carried into the next subscription on a switch). */
  get owedSkipped(): number {
    return this.#skipped;
  }

  get missedFrom(): number {
    return this.#missedFrom;
  }

  get lastSeqSent(): number {
    return this.#lastSeqSent;
  }

  unskip(records: number): void {
    this.#skipped = Math.max(0, this.#skipped - records);
  }

  /**
   * The client read its backlog. A `latest` client that skipped records gets the newest of
   * them now (ICD §6: "gets the newest data"), not only when the stream next produces one.
   */
  drained(): void {
    if (this.#replay.wake()) return;
    if (this.#req.delivery !== 'latest' || this.#missedFrom < 0 || this.congested() || !this.#session.open)
      return;
    this.#fanout.catchUp(this, LATEST_CATCH_UP);
  }

  deliver(data: SharedData): void {
    if (!this.#session.open) return;
    if (this.congested()) {
      this.#skip(data.count);
      return;
    }
    if (this.#backlog !== null) {
      const behind = this.#backlog.check(
        this.#session.out.buffered,
        data.bytes.length,
        this.#ctx.clock.nowMs(),
      );
      if (behind !== undefined) {
        this.#slowConsumer(behind);
        return;
      }
    }
    this.#send(true, data);
  }

  lost(positions: number): void {
    if (!this.#session.open) return;
    if (this.#req.delivery === 'complete') this.#slowConsumer(undefined);
    else this.#skip(positions);
  }

  fail(err: unknown): void {
    this.#session.fail(err);
  }

  #skip(n: number): void {
    if (this.#missedFrom < 0) this.#missedFrom = this.cursor;
    this.#skipped += n;
  }

  /** `live`: records acquired just now (they count in the latency histogram; replays and snapshots do not). */
  #send(live: boolean, data: SharedData): void {
    const bytes = this.#session.out.sendData(data, this.#skipped);
    this.#backlog?.queued(bytes, this.#ctx.clock.nowMs());
    const sent = this.#session.sent;
    sent.records += data.count;
    sent.bytes += bytes;
    sent.skipped += this.#skipped;
    // Counted when reported: records skipped and then caught up on drain are not skipped.
    if (this.#skipped > 0) this.#ctx.metrics.add(AgencyCounter.SKIPPED, this.#agency, this.#skipped);
    this.#skipped = 0;
    this.#missedFrom = -1;
    this.#lastSeqSent = data.lastSeq;
    this.lastDataTime = data.lastErt;
    this.#session.heartbeat.dataSent();
    const m = this.#ctx.metrics;
    m.add(AgencyCounter.DATA_MESSAGES, this.#agency, 1);
    m.add(AgencyCounter.RECORDS_SENT, this.#agency, data.count);
    m.add(AgencyCounter.BYTES_SENT, this.#agency, bytes);
    if (live) m.observeLatencyUs(this.#ctx.clock.nowUs() - data.firstErt);
  }

  /**
   * `behind`: past the allowance (backlog.ts); undefined: the ring overran the session.
   * ICD rev B §6: the BYE follows directly the last DATA written to the socket, `seq` is that
   * DATA's last record, and what was queued behind it is dropped (the client resumes with `since`).
   */
  #slowConsumer(behind: Behind | undefined): void {
    const out = this.#session.out;
    out.discard();
    const seq = out.lastDataSeqWritten;
    const m = this.#ctx.metrics;
    m.add(AgencyCounter.SLOW_CONSUMER_CLOSES, this.#agency, 1);
    const extra =
      behind === undefined ? {} : { behindBytes: behind.behindBytes, behindMs: Math.round(behind.behindMs) };
    if (behind !== undefined) {
      m.add(AgencyCounter.SLOW_CONSUMER_BEHIND_BYTES, this.#agency, behind.behindBytes);
      m.add(AgencyCounter.SLOW_CONSUMER_BEHIND_MS, this.#agency, behind.behindMs);
    }
    this.#session.log.warn({ seq, dropped: this.#lastSeqSent - seq, ...extra }, 'slow consumer: closing');
    // SPEC §6: how far behind the client was, beyond the ICD's `reason` and `seq`.
    this.#session.bye(ByeReason.SLOW_CONSUMER, { seq, ...extra });
  }
}
