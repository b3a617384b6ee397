// Keeps the archive within its age and size limits by deleting its oldest records, one bounded
// batch per step, so the recorder thread interleaves retention with recording and never stalls
// long enough for a ring to overrun it. Age is how long ago SCS recorded a record, not its ERT:
// a replay of a pass from months ago keeps its ERT (the query axis) and is kept maxAgeMs from
// when it was replayed.
import { STREAMS } from '../../protocol/constants.ts';
import type { Clock } from '../util/clock.ts';
import { ArchiveError, ArchiveErrorCode } from './errors.ts';
import type { ArchiveStore } from './store.ts';

export interface RetentionPolicy {
  /** Records recorded more than this many ms ago are deleted. */
  maxAgeMs?: number;
  /** The used part of the file (see ArchiveStore.usedBytes) is kept at or below this. */
  maxBytes?: number;
  /** Rows deleted per step (one transaction). Default 4096. */
  batchRows?: number;
}

export class Retention {
  readonly #store: ArchiveStore;
  readonly #clock: Clock;
  readonly #maxAgeUs: number | undefined;
  readonly #maxBytes: number | undefined;
  readonly #batch: number;

  constructor(store: ArchiveStore, policy: RetentionPolicy, clock: Clock) {
    for (const [name, v] of Object.entries(policy)) {
      if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
        throw new ArchiveError(
          ArchiveErrorCode.ERR_BAD_OPTIONS,
          `retention ${name} must be a positive number`,
        );
      }
    }
    this.#store = store;
    this.#clock = clock;
    this.#maxAgeUs = policy.maxAgeMs === undefined ? undefined : policy.maxAgeMs * 1000;
    this.#maxBytes = policy.maxBytes;
    this.#batch = Math.ceil(policy.batchRows ?? 4096);
  }

  get enabled(): boolean {
    return this.#maxAgeUs !== undefined || this.#maxBytes !== undefined;
  }

  /** Deletes at most one batch if a limit is exceeded; returns the rows deleted from `ring`
   * (deleted 0: within limits). Must run outside the store's transaction. Throws ERR_ARCHIVE_FULL
   * like any write. */
  step(): { ring: number; deleted: number } {
    if (this.#maxAgeUs !== undefined) {
      const cutoff = this.#clock.nowUs() - this.#maxAgeUs;
      for (let ring = 0; ring < STREAMS.length; ring++) {
        const deleted = this.#store.deleteRecordedBefore(ring, cutoff, this.#batch);
        if (deleted > 0) return { ring, deleted };
      }
    }
    if (this.#maxBytes !== undefined && this.#store.usedBytes() > this.#maxBytes) {
      // Over size: the stream holding the oldest record gives up its oldest batch, so the archive
      // keeps the same time span for every stream as far as it can.
      let oldest: number | undefined;
      let victim = -1;
      for (let ring = 0; ring < STREAMS.length; ring++) {
        const ert = this.#store.oldestErt(ring);
        if (ert !== undefined && (oldest === undefined || ert < oldest)) {
          oldest = ert;
          victim = ring;
        }
      }
      if (victim >= 0) return { ring: victim, deleted: this.#store.deleteOldest(victim, this.#batch) };
    }
    return { ring: 0, deleted: 0 };
  }
}
