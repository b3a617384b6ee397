// Per-agency limits on a resource several actors hand out (concurrent archive queries),
// enforced atomically across threads like the connection caps: a CAS on a shared count,
// and a per-connection-slot record of what is held, so the main thread can give back what
// a dead actor's sessions held.

export interface QuotaBuffers {
  sab: SharedArrayBuffer;
  agencies: number;
  slots: number;
}

/** Layout (Int32): [count × agencies][cap × agencies][held-by-slot × slots, agency + 1 or 0]. */
export function createQuotas(caps: readonly number[], slots: number): QuotaBuffers {
  const sab = new SharedArrayBuffer((2 * caps.length + slots) * 4);
  new Int32Array(sab).set(caps, caps.length);
  return { sab, agencies: caps.length, slots };
}

export class Quotas {
  readonly #i32: Int32Array;
  readonly #agencies: number;

  constructor(b: QuotaBuffers) {
    this.#i32 = new Int32Array(b.sab);
    this.#agencies = b.agencies;
  }

  /** Takes one unit of `agency`'s quota for connection `slot`; false when the agency is at its cap. */
  take(slot: number, agency: number): boolean {
    const i32 = this.#i32;
    const cap = i32[this.#agencies + agency]!;
    for (;;) {
      const n = Atomics.load(i32, agency);
      if (n >= cap) return false;
      // Another actor may take the last unit between the load and here: only one CAS wins.
      if (Atomics.compareExchange(i32, agency, n, n + 1) === n) break;
    }
    Atomics.store(i32, 2 * this.#agencies + slot, agency + 1);
    return true;
  }

  /** Gives back what `slot` holds, once, whoever calls (the session's actor, or the main thread after a crash). */
  give(slot: number): void {
    const held = Atomics.exchange(this.#i32, 2 * this.#agencies + slot, 0);
    if (held > 0) Atomics.sub(this.#i32, held - 1, 1);
  }

  /** True while connection `slot` holds a unit. */
  holds(slot: number): boolean {
    return Atomics.load(this.#i32, 2 * this.#agencies + slot) > 0;
  }

  count(agency: number): number {
    return Atomics.load(this.#i32, agency);
  }
}
