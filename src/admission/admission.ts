// Connection admission shared by the main thread and every actor thread.
//
// SAB layout (created once by the main thread, passed to workers in workerData):
//   bytes 0..7   BigInt64  next client number (global, monotonic)
//   bytes 8..    Int32     [0, A)            open admissions per agency
//                          A                 open admissions server-wide
//                          [A+1, 2A+1)       cap per agency
//                          2A+1              server cap
//                          [2A+2, 2A+2+S)    session table: agency+1 held by slot, 0 = free
import { AdmissionError, AdmissionErrorCode } from './errors.ts';

export interface AdmissionBuffers {
  sab: SharedArrayBuffer;
  agencies: number;
  sessionSlots: number;
}

export const AdmitResult = { OK: 0, AGENCY_FULL: 1, SERVER_FULL: 2 } as const;
export type AdmitResult = (typeof AdmitResult)[keyof typeof AdmitResult];

const CLIENT_COUNTER_BYTES = 8;
const INT32_MAX = 0x7fffffff;

function int32Length(agencies: number, sessionSlots: number): number {
  return 2 * agencies + 2 + sessionSlots;
}

function isCount(n: number, min: number): boolean {
  return Number.isInteger(n) && n >= min && n <= INT32_MAX;
}

export function createAdmission(
  agencyCaps: readonly number[],
  serverCap: number,
  sessionSlots: number,
): AdmissionBuffers {
  if (agencyCaps.length === 0 || !agencyCaps.every((c) => isCount(c, 0))) {
    throw new AdmissionError(
      AdmissionErrorCode.CONFIG,
      `agency caps must be a non-empty list of integers 0..${INT32_MAX}`,
    );
  }
  if (!isCount(serverCap, 0)) {
    throw new AdmissionError(AdmissionErrorCode.CONFIG, `server cap must be an integer 0..${INT32_MAX}`);
  }
  if (!isCount(sessionSlots, 1)) {
    throw new AdmissionError(AdmissionErrorCode.CONFIG, `session slots must be an integer 1..${INT32_MAX}`);
  }
  const agencies = agencyCaps.length;
  const sab = new SharedArrayBuffer(CLIENT_COUNTER_BYTES + int32Length(agencies, sessionSlots) * 4);
  const i32 = new Int32Array(sab, CLIENT_COUNTER_BYTES);
  i32.set(agencyCaps, agencies + 1);
  i32[2 * agencies + 1] = serverCap;
  return { sab, agencies, sessionSlots };
}

export class Admission {
  readonly #i32: Int32Array;
  readonly #clientCounter: BigInt64Array;
  readonly #agencies: number;
  readonly #slots: number;
  readonly #serverIdx: number;
  readonly #capBase: number;
  readonly #serverCapIdx: number;
  readonly #tableBase: number;

  constructor(b: AdmissionBuffers) {
    const a = b.agencies;
    this.#clientCounter = new BigInt64Array(b.sab, 0, 1);
    this.#i32 = new Int32Array(b.sab, CLIENT_COUNTER_BYTES, int32Length(a, b.sessionSlots));
    this.#agencies = a;
    this.#slots = b.sessionSlots;
    this.#serverIdx = a;
    this.#capBase = a + 1;
    this.#serverCapIdx = 2 * a + 1;
    this.#tableBase = 2 * a + 2;
  }

  /**
   * Admits `slot` for `agency`: agency cap first, then the server cap. Nothing is
   * half-admitted: a server-cap failure gives the agency count back.
   */
  tryAdmit(slot: number, agency: number): AdmitResult {
    this.#checkSlot(slot);
    this.#checkAgency(agency);
    const i32 = this.#i32;
    const cell = this.#tableBase + slot;
    const held = Atomics.load(i32, cell);
    if (held === agency + 1) return AdmitResult.OK;
    if (held !== 0) throw this.#busy(slot, held - 1, agency);

    if (!this.#incrementBelow(agency, Atomics.load(i32, this.#capBase + agency))) {
      return AdmitResult.AGENCY_FULL;
    }
    if (!this.#incrementBelow(this.#serverIdx, Atomics.load(i32, this.#serverCapIdx))) {
      Atomics.sub(i32, agency, 1);
      return AdmitResult.SERVER_FULL;
    }
    // Counters are taken before the slot is marked so that release() never decrements
    // counts it did not see incremented. A slot belongs to one session, so the CAS only
    // fails if that session's own code raced itself; undo our counts in that case.
    const prev = Atomics.compareExchange(i32, cell, 0, agency + 1);
    if (prev !== 0) {
      Atomics.sub(i32, agency, 1);
      Atomics.sub(i32, this.#serverIdx, 1);
      if (prev === agency + 1) return AdmitResult.OK;
      throw this.#busy(slot, prev - 1, agency);
    }
    return AdmitResult.OK;
  }

  /** Frees `slot`; returns the agency it held, or -1 if it held none. Idempotent. */
  release(slot: number): number {
    this.#checkSlot(slot);
    const i32 = this.#i32;
    // The exchange is the single point of ownership: when an actor and the main thread
    // (cleaning up after a dead actor) race here, exactly one sees the agency and
    // decrements; the other reads 0.
    const held = Atomics.exchange(i32, this.#tableBase + slot, 0);
    if (held === 0) return -1;
    const agency = held - 1;
    Atomics.sub(i32, agency, 1);
    Atomics.sub(i32, this.#serverIdx, 1);
    return agency;
  }

  agencyOf(slot: number): number {
    this.#checkSlot(slot);
    return Atomics.load(this.#i32, this.#tableBase + slot) - 1;
  }

  count(agency: number): number {
    this.#checkAgency(agency);
    return Atomics.load(this.#i32, agency);
  }

  total(): number {
    return Atomics.load(this.#i32, this.#serverIdx);
  }

  /** 1, 2, 3 … across all threads of this process; a 64-bit counter, so it never wraps in practice. */
  nextClientNumber(): number {
    return Number(Atomics.add(this.#clientCounter, 0, 1n) + 1n);
  }

  /**
   * Increments counter `idx` only while it is below `cap`. A plain add-then-check would
   * let a burst of racing threads overshoot and then roll back, briefly rejecting
   * admissions that fit; the CAS loop never exceeds the cap.
   */
  #incrementBelow(idx: number, cap: number): boolean {
    const i32 = this.#i32;
    for (;;) {
      const current = Atomics.load(i32, idx);
      if (current >= cap) return false;
      if (Atomics.compareExchange(i32, idx, current, current + 1) === current) return true;
    }
  }

  #checkSlot(slot: number): void {
    if (slot >>> 0 !== slot || slot >= this.#slots) {
      throw new AdmissionError(
        AdmissionErrorCode.RANGE,
        `session slot ${slot} outside 0..${this.#slots - 1}`,
      );
    }
  }

  #checkAgency(agency: number): void {
    if (agency >>> 0 !== agency || agency >= this.#agencies) {
      throw new AdmissionError(
        AdmissionErrorCode.RANGE,
        `agency index ${agency} outside 0..${this.#agencies - 1}`,
      );
    }
  }

  #busy(slot: number, held: number, wanted: number): AdmissionError {
    return new AdmissionError(
      AdmissionErrorCode.SLOT_BUSY,
      `slot ${slot} holds an admission for agency ${held}; release it before admitting agency ${wanted}`,
    );
  }
}
