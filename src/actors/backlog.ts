// How far behind a `delivery: complete` session is, in bytes and in time, and when that is too
// far (ICD §6: "the server buffers up to its per-session limit").
//
// Why time as well as bytes: a byte limit alone is a time limit that shrinks as the rate grows
// (8 MiB is 75 ms at 100 k frames/s), so a client that is merely descheduled for a moment is cut
// at high rates while it would keep up on average. The allowance is therefore: never cut below
// `bufferBytes`; above it, cut once the oldest unsent byte has waited `maxBehindMs` (seconds of
// jitter at the session's own rate, whatever that rate is); and, to bound memory, cut at once
// above `maxBufferBytes`. The backlog's bodies are the group's shared DATA bodies (data-body.ts),
// so sessions that fall behind together hold the same bytes, not a copy each.
//
// The age is tracked with one mark per message queued: (bytes queued so far, time). Bytes that
// left = queued − still buffered; the oldest mark beyond them is the oldest unsent message.
import type { SessionConfig } from '../config/schema.ts';

export interface Allowance {
  bufferBytes: number;
  maxBehindMs: number;
  maxBufferBytes: number;
}

export function allowanceOf(session: SessionConfig, agency: Partial<SessionConfig>): Allowance {
  const bufferBytes = agency.completeBufferBytes ?? session.completeBufferBytes;
  return {
    bufferBytes,
    maxBehindMs: agency.completeMaxBehindMs ?? session.completeMaxBehindMs,
    maxBufferBytes: Math.max(bufferBytes, agency.completeMaxBufferBytes ?? session.completeMaxBufferBytes),
  };
}

/** Why a session is cut: its backlog in bytes and the age of its oldest unsent message. */
export interface Behind {
  behindBytes: number;
  behindMs: number;
}

export class Backlog {
  readonly #allowance: Allowance;
  #queued = 0;
  // Marks in a growable ring: cumulative bytes queued after each message, and when.
  #bytes = new Float64Array(64);
  #times = new Float64Array(64);
  #head = 0;
  #count = 0;

  constructor(allowance: Allowance) {
    this.#allowance = allowance;
  }

  /** A message of `bytes` was handed to the session's output at `nowMs`. */
  queued(bytes: number, nowMs: number): void {
    this.#queued += bytes;
    if (this.#count === this.#bytes.length) this.#grow();
    const i = (this.#head + this.#count) & (this.#bytes.length - 1);
    this.#bytes[i] = this.#queued;
    this.#times[i] = nowMs;
    this.#count++;
  }

  /**
   * Whether `adding` more bytes on top of `buffered` (unsent now) is past the allowance;
   * undefined when it is not, else how far behind the session is.
   */
  check(buffered: number, adding: number, nowMs: number): Behind | undefined {
    const a = this.#allowance;
    const total = buffered + adding;
    // Always: a session that never passes bufferBytes must not pile up marks.
    const behindMs = this.#ageMs(buffered, nowMs);
    if (total <= a.bufferBytes) return undefined;
    if (total <= a.maxBufferBytes && behindMs < a.maxBehindMs) return undefined;
    return { behindBytes: buffered, behindMs };
  }

  /** Age of the oldest message not fully taken by the kernel, 0 when nothing is unsent. */
  #ageMs(buffered: number, nowMs: number): number {
    const sent = this.#queued - buffered;
    const mask = this.#bytes.length - 1;
    while (this.#count > 0 && this.#bytes[this.#head]! <= sent) {
      this.#head = (this.#head + 1) & mask;
      this.#count--;
    }
    return this.#count === 0 ? 0 : nowMs - this.#times[this.#head]!;
  }

  #grow(): void {
    const n = this.#bytes.length;
    const bytes = new Float64Array(n * 2);
    const times = new Float64Array(n * 2);
    for (let k = 0; k < this.#count; k++) {
      bytes[k] = this.#bytes[(this.#head + k) & (n - 1)]!;
      times[k] = this.#times[(this.#head + k) & (n - 1)]!;
    }
    this.#bytes = bytes;
    this.#times = times;
    this.#head = 0;
  }
}
