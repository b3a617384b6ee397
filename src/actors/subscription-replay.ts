// A subscription's archive replays (`since` backfill, `mode: archive`), paced by the client's reading.
import { ArchiveError, ArchiveErrorCode } from '../archive/errors.ts';
import type { ArchiveFilter } from '../archive/query.ts';
import type { ArchiveQueryChannel } from '../archive/query-client.ts';
import type { EncodeOptions } from '../archive/query-protocol.ts';
import type { RateGate } from '../archive/rate-gate.ts';
import { replayArchive } from './archive-replay.ts';
import { type BackfillTarget, backfill } from './backfill.ts';
import type { ActorContext } from './context.ts';
import type { Outbound } from './outbound.ts';
import type { ValidRequest } from './request.ts';

export class SubscriptionReplay {
  /** True once an archive replay has sent END (heartbeats then say IDLE). */
  ended = false;
  /** True while an archive replay runs. */
  replaying = false;
  readonly #ctx: ActorContext;
  readonly #out: Outbound;
  readonly #req: ValidRequest;
  /** The session's selection as an archive filter (the agency's parameters included). */
  readonly #filter: ArchiveFilter;
  readonly #rate: RateGate | undefined;
  /** Whether the subscription still delivers (its session open, it not retired). */
  readonly #isOpen: () => boolean;
  #query: ArchiveQueryChannel | undefined;
  /** Set while a replay waits for the client to read. */
  #drainWaiter: (() => void) | undefined;

  constructor(
    ctx: ActorContext,
    out: Outbound,
    req: ValidRequest,
    filter: ArchiveFilter,
    rate: RateGate | undefined,
    isOpen: () => boolean,
  ) {
    this.#rate = rate;
    this.#ctx = ctx;
    this.#out = out;
    this.#req = req;
    this.#filter = filter;
    this.#isOpen = isOpen;
  }

  /** Ends the replay in progress: closing the query's port ends its pool task. */
  close(): void {
    this.#query?.close();
    this.#drainWaiter?.();
  }

  /** The client read its backlog: true if a replay was waiting for that (and now goes on). */
  wake(): boolean {
    if (this.#drainWaiter === undefined) return false;
    this.#drainWaiter();
    return true;
  }

  /**
   * `since` (ICD §5): replays every record after `since` the server holds; resolves with the
   * ring position to join the fan-out at, or undefined if the session left meanwhile.
   */
  async since(since: number, target: BackfillTarget, claim: () => void): Promise<number | undefined> {
    const filter = this.#filter;
    const open = () => {
      // Throws a Refusal when the agency may not (or may no more) read the archive.
      claim();
      const query = this.#openQuery();
      // authorize() refuses `since` without an archive.
      if (query === undefined)
        throw new ArchiveError(ArchiveErrorCode.ERR_ARCHIVE_OPEN, 'since without an archive');
      return query;
    };
    return backfill(this.#ctx, open, target, since, filter, this.#encoding(), this.#rate)
      .catch((err: unknown) => this.#unlessLeft(err))
      .finally(() => this.#query?.close());
  }

  /**
   * `mode: archive` (ICD §5): the archived records of the request's range; resolves with
   * how many were sent, or undefined if the session left or switched meanwhile.
   */
  async archive(target: BackfillTarget): Promise<number | undefined> {
    const query = this.#openQuery();
    if (query === undefined) return undefined;
    this.replaying = true;
    const count = await replayArchive(
      this.#ctx.clock,
      query,
      target,
      {
        stream: this.#req.stream,
        from: this.#req.fromUs ?? 0,
        // `to` absent = up to now (ICD §5): fixed at the request, so the replay ends; a
        // `from` in the future then makes an empty range, answered with END {records: 0}.
        to: this.#req.toUs ?? Math.max(this.#req.fromUs ?? 0, this.#ctx.clock.nowUs() + 1),
        timeBy: this.#req.timeBy,
        filter: this.#filter,
      },
      this.#req.speed,
      this.#ctx.config.session,
      this.#rate,
    )
      .catch((err: unknown) => this.#unlessLeft(err))
      .finally(() => {
        this.replaying = false;
        query.close();
      });
    if (count === undefined || !this.#isOpen()) return undefined;
    this.ended = true;
    return count;
  }

  /** Resolves when the client has read enough of what was queued for it. */
  writable(): Promise<void> {
    // Waiting only makes sense when 'drain' will come: below the socket's own high-water
    // mark it never does, whatever latestHighWaterBytes says.
    const out = this.#out;
    if (out.buffered <= this.#ctx.config.session.latestHighWaterBytes || !out.needDrain || !this.#isOpen()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#drainWaiter = () => {
        this.#drainWaiter = undefined;
        resolve();
      };
    });
  }

  /** A query in the archive pool, closed with the subscription. */
  #openQuery(): ArchiveQueryChannel | undefined {
    this.#query = this.#ctx.archive?.open();
    return this.#query;
  }

  /** A query that failed because the session left is not an error. */
  #unlessLeft(err: unknown): undefined {
    if (this.#isOpen()) throw err;
    return undefined;
  }

  #encoding(): EncodeOptions {
    const { maxDataBytes, maxRecordsPerData } = this.#ctx.config.session;
    return {
      stream: this.#req.stream,
      timeBy: this.#req.timeBy,
      maxDataBytes,
      maxRecordsPerData,
      sliceUs: 0,
    };
  }
}
