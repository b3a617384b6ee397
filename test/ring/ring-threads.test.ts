import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { createRingSet, RingSetReader } from '../../src/ring/ring.ts';
import { type ConsumeStats, consume } from './fixtures/records.ts';
import type { RingReaderData } from './fixtures/ring-reader.ts';
import type { RingWriterData } from './fixtures/ring-writer.ts';

function spawn(file: string, workerData: RingWriterData | RingReaderData): Worker {
  return new Worker(new URL(`./fixtures/${file}`, import.meta.url), { workerData });
}

/** A reader worker posts 'ready' just before it starts reading, then its ConsumeStats when done. */
function startReader(data: RingReaderData): { ready: Promise<void>; stats: Promise<ConsumeStats> } {
  const worker = spawn('ring-reader.ts', data);
  const ready = Promise.withResolvers<void>();
  const stats = Promise.withResolvers<ConsumeStats>();
  worker.on('message', (m: unknown) => (m === 'ready' ? ready.resolve() : stats.resolve(m as ConsumeStats)));
  worker.on('error', (err) => {
    ready.reject(err);
    stats.reject(err);
  });
  // Awaited after `ready`; a failure before then is reported through `ready`.
  stats.promise.catch(() => undefined);
  return { ready: ready.promise, stats: stats.promise };
}

function openGate(gate: SharedArrayBuffer): void {
  const flag = new Int32Array(gate);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** Generous: on a loaded 2-core machine (load average 30+) three readers and a writer share it. */
const BUDGET_MS = 15_000;

describe('ring: threads', function () {
  this.timeout(40_000);

  for (const { what, slots, slotBytes, maxBytes } of [
    // Records of 1 … 2 × the mean: the 8 slots are lapped, and now and then the bytes first.
    { what: 'a hammered 8-slot ring', slots: 8, slotBytes: 120, maxBytes: 240 },
    // 64 slots but bytes for ~8 records of 1 … 256 bytes: payloads are evicted long before slots lap.
    { what: 'a hammered ring short of bytes (evictions)', slots: 64, slotBytes: 16, maxBytes: 256 },
  ]) {
    it(`never returns a torn record to concurrent readers of ${what}, and reports every overrun`, async () => {
      const total = 200_000;
      const batch = 4;
      const set = createRingSet([{ slots, slotBytes }]);
      const gate = new SharedArrayBuffer(4);
      const options = { ring: 0, slots, capacity: slots * slotBytes, maxBytes, total, batch };
      const readers = [0, 1].map(() => startReader({ set, options, budgetMs: BUDGET_MS }));
      const writer = spawn('ring-writer.ts', { set, ring: 0, total, batch, maxBytes, gate });
      const writerDone = once(writer, 'message');
      await Promise.all(readers.map((r) => r.ready));
      openGate(gate);

      const main = consume(new RingSetReader(set), { ...options, deadline: performance.now() + BUDGET_MS });
      const [head] = (await writerDone) as [number];
      const all = [main, ...(await Promise.all(readers.map((r) => r.stats)))];

      expect(head).to.equal(total);
      for (const [i, s] of all.entries()) {
        expect(s.bad, `reader ${i}`).to.deep.equal([]);
        expect(s.falseOverruns, `reader ${i}`).to.deep.equal([]);
        expect(s.timedOut, `reader ${i}`).to.equal(false);
        expect(s.ok + s.skipped, `reader ${i}: every position is read or counted as skipped`).to.equal(total);
        expect(s.ok, `reader ${i} read records`).to.be.greaterThan(0);
      }
      // The writer laps a small ring far faster than three readers check records: overruns happen.
      expect(all.reduce((n, s) => n + s.overruns, 0)).to.be.greaterThan(0);
    });
  }

  it('wakes a reader waiting on the doorbell when the writer thread commits', async () => {
    const set = createRingSet([{ slots: 8, slotBytes: 128 }]);
    const reader = new RingSetReader(set);
    const seen = reader.control.doorbell();
    let woken = false;
    const waiting = reader.control.waitDoorbell(seen, 10_000).then(() => {
      woken = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken, 'woken before any commit').to.equal(false);

    const gate = new SharedArrayBuffer(4);
    openGate(gate);
    const started = performance.now();
    const writer = spawn('ring-writer.ts', { set, ring: 0, total: 1, batch: 1, maxBytes: 8, gate });
    await waiting;
    expect(performance.now() - started, 'woken by notify, not by the timeout').to.be.lessThan(5000);
    expect(reader.control.doorbell()).to.not.equal(seen);
    expect(reader.head(0)).to.equal(1);
    await once(writer, 'exit');
  });

  it('resolves a doorbell wait on timeout, and at once when the doorbell already moved', async () => {
    const reader = new RingSetReader(createRingSet([{ slots: 8, slotBytes: 8 }]));
    const seen = reader.control.doorbell();
    let started = performance.now();
    await reader.control.waitDoorbell(seen, 30);
    expect(performance.now() - started).to.be.greaterThanOrEqual(25);
    expect(reader.control.doorbell()).to.equal(seen);

    started = performance.now();
    await reader.control.waitDoorbell(seen + 1, 60_000);
    expect(performance.now() - started).to.be.lessThan(1000);
  });
});
