// Connection slots: indices into the admission session table, one per open socket.
// The number of slots is the hard socket ceiling.

export class SlotAllocator {
  readonly #free: number[];

  constructor(size: number) {
    this.#free = Array.from({ length: size }, (_, i) => size - 1 - i);
  }

  get available(): number {
    return this.#free.length;
  }

  /** A free slot, or -1 at the ceiling. */
  take(): number {
    return this.#free.pop() ?? -1;
  }

  give(slot: number): void {
    this.#free.push(slot);
  }
}
