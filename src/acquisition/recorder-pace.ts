// A file replay is not a live downlink: nothing is lost by waiting, so it goes at the pace the
// archive recorder keeps up with (issue 11). Before each delivery a file link asks `paced()`:
// null when every ring's unrecorded backlog (head - the recorder's read position) is within a
// quarter of the ring's slots and within half of the records the ring holds now (a byte ring
// of large records holds fewer than its slots: ring.ts evicts by bytes), else a promise that
// resolves on the recorder's next progress (or after WAIT_MS, so a stopped link notices). A live
// link is never held back: a recorder it outruns loses records, counted
// (scs_archive_records_lost_total), raised and noted in `holes`.
import { ArchiveCounters, type ArchiveCountersBuffers } from '../archive/counters.ts';
import { type RingSetBuffers, RingSetReader } from '../ring/ring.ts';

const WAIT_MS = 50;
/** The backlog a delivery may start with, as a share of the ring's slots: a delivery (one packet,
 * or at most 64 code blocks: src/links/file-link.ts) adds far less than the rest of the ring. */
const BACKLOG_SHARE = 0.25;

export class RecorderPace {
  readonly #counters: ArchiveCounters;
  readonly #reader: RingSetReader;
  readonly #limits: number[];
  readonly #heads: () => readonly number[];

  /** `heads`: the writer's next positions, committed or not (the sink commits at the end of the
   * event-loop turn, so the published head lags what a replay has already written). */
  constructor(counters: ArchiveCountersBuffers, rings: RingSetBuffers, heads: () => readonly number[]) {
    this.#counters = new ArchiveCounters(counters);
    this.#reader = new RingSetReader(rings);
    this.#heads = heads;
    this.#limits = rings.rings.map((r) => Math.max(1, Math.floor(r.slots * BACKLOG_SHARE)));
  }

  /** Null when a delivery may go now; else wait for the promise and ask again. */
  paced(): Promise<void> | null {
    const bell = this.#counters.bell();
    const heads = this.#heads();
    for (let ring = 0; ring < this.#limits.length; ring++) {
      const pos = this.#counters.position(ring);
      // No recorder has read yet (none configured, or not started): nothing to wait for.
      if (pos < 0) continue;
      const head = heads[ring]!;
      const held = head - this.#reader.oldest(ring);
      const backlog = head - pos;
      if (backlog > 0 && (backlog > this.#limits[ring]! || backlog > held / 2)) {
        return this.#counters.waitProgress(bell, WAIT_MS);
      }
    }
    return null;
  }
}
