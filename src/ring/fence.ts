// A full memory fence for the seqlocks of the ring and the value table.
//
// The ECMAScript memory model makes every Atomics operation sequentially consistent, and an
// Atomics.store read by an Atomics.load synchronizes-with it: everything the writer did before
// the store happens-before everything the reader does after the load. That is what publishing a
// head or an even slot version needs. Plain typed-array accesses that race are not undefined
// behaviour in JS: a racy read returns bytes some write produced (possibly a mix), which is
// exactly what a seqlock tolerates, since it throws such a copy away when the version moved.
//
// What the model does not give is the seqlock's two inner orderings:
//   writer: version := odd  must be visible before the plain payload stores that follow it;
//   reader: the plain payload loads must be done before the version re-check that follows them.
// Neither an acquire load nor a release store provides them, and V8 maps Atomics.load/store to
// exactly those on arm64 (LDAR/STLR: a later plain STR may pass an STLR, an earlier plain LDR may
// pass an LDAR). An atomic read-modify-write between them does: on arm64 (SWPAL, or an
// LDAXR/STLXR loop) its release half keeps earlier accesses before it, its acquire half keeps
// later ones after it, and a release followed by an acquire is never reordered, so it also stays
// ordered against the neighbouring LDAR/STLR. On x64 it is a LOCK'd XCHG, a full barrier (and
// TSO already keeps loads in order and stores in order). The JIT keeps typed-array accesses in
// program order around Atomics calls (they share one effect chain), so the hardware is the only
// reordering left to stop.
//
// The cell is private to the calling thread (module state is per isolate, and this buffer is
// never posted), so the exchange never contends on a cache line with another thread.
const cell = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/** Orders every memory access before the call against every memory access after it. */
export function fence(): void {
  Atomics.exchange(cell, 0, 0);
}
