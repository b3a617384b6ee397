// A bounded queue between the acquisition thread and the disk. The acquisition thread only ever
// enqueues; one write at a time runs in the background (libuv's thread pool), taking everything
// queued so far as one batch. When the disk falls behind and the queue holds `maxQueueBytes`,
// new items are dropped and counted: telemetry keeps flowing to clients, memory stays bounded,
// and the operator is told once per burst of drops (and once per run of failed writes).
import type { EventIn } from '../acquisition/source.ts';

export interface WriteQueueStats {
  /** Bytes queued or being written. */
  queuedBytes: number;
  writtenBytes: number;
  /** Items refused because the queue was full. */
  dropped: number;
  droppedBytes: number;
  /** Batches whose write failed (their items are lost). */
  writeErrors: number;
}

/** What the owner of a queue reports to the operator: each edge of a burst, never each item. */
export type QueueNotice =
  | { kind: 'drops-start' }
  | { kind: 'drops-end'; dropped: number; droppedBytes: number }
  | { kind: 'write-failing'; error: unknown }
  | { kind: 'write-recovered'; failedBatches: number };

export interface WriteQueueOptions<T> {
  maxQueueBytes: number;
  /** Writes one batch, in queue order; a rejection counts the batch as lost and the queue goes on. */
  write: (batch: T[]) => Promise<void>;
  notify: (notice: QueueNotice) => void;
}

export class WriteQueue<T> {
  readonly stats: WriteQueueStats = {
    queuedBytes: 0,
    writtenBytes: 0,
    dropped: 0,
    droppedBytes: 0,
    writeErrors: 0,
  };
  readonly #opts: WriteQueueOptions<T>;
  #items: T[] = [];
  #bytes = 0;
  #writing: Promise<void> | null = null;
  #burst = 0;
  #burstBytes = 0;
  #failedBatches = 0;

  constructor(opts: WriteQueueOptions<T>) {
    this.#opts = opts;
  }

  /**
   * Queues `item` of `bytes` bytes; false when the queue is full and the item was dropped. A
   * zero-byte item (a control item such as "close this file") is always queued.
   */
  push(item: T, bytes: number): boolean {
    if (bytes > 0) {
      if (this.stats.queuedBytes + bytes > this.#opts.maxQueueBytes) {
        if (this.#burst === 0) this.#opts.notify({ kind: 'drops-start' });
        this.#burst++;
        this.#burstBytes += bytes;
        this.stats.dropped++;
        this.stats.droppedBytes += bytes;
        return false;
      }
      this.#endBurst();
    }
    this.#items.push(item);
    this.#bytes += bytes;
    this.stats.queuedBytes += bytes;
    this.#writing ??= this.#drain();
    return true;
  }

  /** Resolves once everything queued so far is written (or lost to a write error). */
  async idle(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
  }

  async #drain(): Promise<void> {
    // Entered from push(): yield first, so the pushes of one acquisition batch make one write.
    await Promise.resolve();
    while (this.#items.length > 0) {
      const batch = this.#items;
      const bytes = this.#bytes;
      this.#items = [];
      this.#bytes = 0;
      try {
        await this.#opts.write(batch);
        this.stats.writtenBytes += bytes;
        if (this.#failedBatches > 0) {
          this.#opts.notify({ kind: 'write-recovered', failedBatches: this.#failedBatches });
          this.#failedBatches = 0;
        }
      } catch (error) {
        this.stats.writeErrors++;
        if (this.#failedBatches++ === 0) this.#opts.notify({ kind: 'write-failing', error });
      }
      // Freed only now: bytes handed to a write still occupy memory until it completes.
      this.stats.queuedBytes -= bytes;
    }
    this.#writing = null;
    // The disk has caught up: the burst of drops, if any, is over.
    this.#endBurst();
  }

  #endBurst(): void {
    if (this.#burst === 0) return;
    const dropped = this.#burst;
    const droppedBytes = this.#burstBytes;
    this.#burst = 0;
    this.#burstBytes = 0;
    this.#opts.notify({ kind: 'drops-end', dropped, droppedBytes });
  }
}

/** The operator event for a queue notice of the file writer `source` (e.g. 'contact-recorder'). */
export function noticeEvent(source: string, what: string, notice: QueueNotice, timeUs: number): EventIn {
  switch (notice.kind) {
    case 'drops-start':
      return {
        time: timeUs,
        severity: 'WARNING',
        source,
        type: 'FILE_QUEUE_FULL',
        message: `${what}: the disk is not keeping up, dropping until it does`,
      };
    case 'drops-end':
      return {
        time: timeUs,
        severity: 'WARNING',
        source,
        type: 'FILE_QUEUE_RESUMED',
        message: `${what}: writing again; ${notice.dropped} dropped (${notice.droppedBytes} bytes)`,
      };
    case 'write-failing': {
      const e = notice.error;
      const detail = e instanceof Error ? e.message : String(e);
      return {
        time: timeUs,
        severity: 'ALARM',
        source,
        type: 'FILE_WRITE_ERROR',
        message: `${what}: ${detail}`,
      };
    }
    case 'write-recovered':
      return {
        time: timeUs,
        severity: 'INFO',
        source,
        type: 'FILE_WRITE_RECOVERED',
        message: `${what}: writing again; ${notice.failedBatches} batches lost`,
      };
  }
}
