// Counters of one reader process (all its sockets), with a measurement window opened by
// `start`; `report` describes the window so far. Loss counters cover the whole session.
import { LogHistogram } from './histogram.ts';
import type { ReaderReport } from './ipc.ts';

/** Per-socket sequence state: the highest record seq seen, −1 before the first. */
export interface SeqTracker {
  lastSeq: number;
}

export interface ProtocolCounts {
  crcChecked: number;
  crcErrors: number;
  malformed: number;
  messageGaps: number;
}

export class ReaderTotals {
  records = 0;
  payloadBytes = 0;
  wireBytes = 0;
  lost = 0;
  skipped = 0;
  disorder = 0;
  readonly ended: Record<string, number> = {};
  readonly #latency = new LogHistogram();
  #measuring = false;
  #startMs = 0;
  #startRecords = 0;
  #startPayload = 0;
  #startWire = 0;

  /** One received record; `latencyUs` is only kept inside the window. */
  record(tracker: SeqTracker, seq: number, latencyUs: number, payloadBytes: number): void {
    this.records++;
    this.payloadBytes += payloadBytes;
    const last = tracker.lastSeq;
    if (last >= 0) {
      if (seq > last + 1) this.lost += seq - last - 1;
      else if (seq <= last) this.disorder++;
    }
    if (seq > last) tracker.lastSeq = seq;
    if (this.#measuring) this.#latency.record(latencyUs);
  }

  end(reason: string): void {
    this.ended[reason] = (this.ended[reason] ?? 0) + 1;
  }

  start(): void {
    this.#latency.reset();
    this.#measuring = true;
    this.#startMs = performance.now();
    this.#startRecords = this.records;
    this.#startPayload = this.payloadBytes;
    this.#startWire = this.wireBytes;
  }

  report(open: number, protocol: ProtocolCounts): ReaderReport {
    return {
      open,
      windowSec: (performance.now() - this.#startMs) / 1000,
      records: this.records - this.#startRecords,
      payloadBytes: this.payloadBytes - this.#startPayload,
      wireBytes: this.wireBytes - this.#startWire,
      latency: this.#latency.toPairs(),
      lost: this.lost,
      skipped: this.skipped,
      disorder: this.disorder,
      ...protocol,
      ended: { ...this.ended },
    };
  }
}
