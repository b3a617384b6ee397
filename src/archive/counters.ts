// The recorder's counters and progress, shared by the recorder thread (the one writer: a restarted
// recorder adds to what its predecessor left), the main thread (/metrics, /healthz, `scs status`)
// and the acquisition thread (a file replay waits for the recorder: src/acquisition/recorder-pace.ts).
import { STREAMS, type Stream } from '../../protocol/constants.ts';

/** Per-stream totals. */
export const ARCHIVE_COUNTERS = ['records', 'lost', 'deleted', 'duplicates'] as const;
export type ArchiveCounter = (typeof ARCHIVE_COUNTERS)[number];

const N = STREAMS.length;
/** Float64 cells: the counters by stream, then the recorder's next ring position per ring. */
const POS_AT = ARCHIVE_COUNTERS.length * N;
const CELLS = POS_AT + N;

export interface ArchiveCountersBuffers {
  /** Float64 cells (counters, positions). */
  values: SharedArrayBuffer;
  /** Int32 [0]: the progress bell, incremented (and notified) when the recorder moved on. */
  bell: SharedArrayBuffer;
}

export function createArchiveCounters(): ArchiveCountersBuffers {
  const values = new SharedArrayBuffer(CELLS * 8);
  // No recorder has read anything yet: -1 (a file replay is not held back by a recorder that is absent).
  new Float64Array(values).fill(-1, POS_AT);
  return { values, bell: new SharedArrayBuffer(4) };
}

export class ArchiveCounters {
  readonly #v: Float64Array;
  readonly #bell: Int32Array;

  constructor(b: ArchiveCountersBuffers) {
    this.#v = new Float64Array(b.values);
    this.#bell = new Int32Array(b.bell);
  }

  get(counter: ArchiveCounter, ring: number): number {
    return this.#v[ARCHIVE_COUNTERS.indexOf(counter) * N + ring]!;
  }

  /** The recorder only (one writer at a time). */
  add(counter: ArchiveCounter, ring: number, n: number): void {
    if (n !== 0) this.#v[ARCHIVE_COUNTERS.indexOf(counter) * N + ring]! += n;
  }

  byStream(counter: ArchiveCounter): Record<Stream, number> {
    return Object.fromEntries(STREAMS.map((s, i) => [s, this.get(counter, i)])) as Record<Stream, number>;
  }

  /** The recorder's next ring position of `ring`; -1 before a recorder read it. */
  position(ring: number): number {
    return this.#v[POS_AT + ring]!;
  }

  /** The recorder only: publishes its positions and wakes whoever waits for progress. */
  progress(positions: readonly number[]): void {
    for (let r = 0; r < N; r++) this.#v[POS_AT + r] = positions[r]!;
    Atomics.add(this.#bell, 0, 1);
    Atomics.notify(this.#bell, 0);
  }

  /** The progress bell's value: read it before the positions, then waitProgress(value). */
  bell(): number {
    return Atomics.load(this.#bell, 0);
  }

  /** Resolves once the recorder moved on since the bell read `seen`, or after `timeoutMs`. */
  async waitProgress(seen: number, timeoutMs: number): Promise<void> {
    const r = Atomics.waitAsync(this.#bell, 0, seen, timeoutMs);
    if (r.async) await r.value;
  }
}
