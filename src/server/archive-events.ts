// What the archive recorder reports becomes operator-visible (nothing is lost silently): an
// overrun (records the recorder never archived) is an ALARM event and makes /healthz degraded for
// DEGRADED_MS after the last one; a retention pass that deleted records is an INFO event. The
// counters themselves (scs_archive_*_total) are the recorder's own (src/archive/counters.ts).
import type { EventIn } from '../acquisition/source.ts';
import type { RecorderEvent } from '../archive/recorder.ts';
import type { Clock } from '../util/clock.ts';

/** How long /healthz stays degraded after the recorder last lost records. */
export const DEGRADED_MS = 60_000;

export class ArchiveEvents {
  readonly #clock: Clock;
  #raise: ((e: EventIn) => unknown) | null = null;
  /** Raised before the acquisition thread ran: sent once it does. */
  readonly #pending: EventIn[] = [];
  #lostAt = Number.NEGATIVE_INFINITY;
  /** Records lost in the current degraded period, by stream. */
  #recent: Record<string, number> = {};

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Where events go (the acquisition thread, the events' one writer). */
  raiseWith(raise: (e: EventIn) => unknown): void {
    this.#raise = raise;
    for (const e of this.#pending.splice(0)) raise(e);
  }

  recorder(e: RecorderEvent): void {
    if (e.kind === 'lost') {
      const now = this.#clock.monoMs();
      if (!this.degraded()) this.#recent = {};
      this.#lostAt = now;
      this.#recent[e.stream] = (this.#recent[e.stream] ?? 0) + e.positions;
      this.#emit(
        'ALARM',
        'ARCHIVE_RECORDS_LOST',
        `Archive recorder overrun on ${e.stream}: ${e.positions} records not archived at the start of this burst (the link outran the recorder); all counted in scs_archive_records_lost_total and noted in the archive's holes`,
      );
    } else if (e.kind === 'retained') {
      this.#emit(
        'INFO',
        'ARCHIVE_RETENTION',
        `Archive retention deleted ${e.deleted} records (scs_archive_deleted_total)`,
      );
    }
  }

  /** The recorder lost records within the last DEGRADED_MS. */
  degraded(): boolean {
    return this.#clock.monoMs() - this.#lostAt < DEGRADED_MS;
  }

  /** Records lost per stream since the degraded period began (first loss of each burst counted). */
  recentLoss(): Record<string, number> {
    return { ...this.#recent };
  }

  #emit(severity: EventIn['severity'], type: string, message: string): void {
    const e: EventIn = { time: this.#clock.nowUs(), severity, source: 'archive', type, message };
    if (this.#raise === null) this.#pending.push(e);
    else this.#raise(e);
  }
}
