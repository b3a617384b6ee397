import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { RingErrorCode } from '../../src/ring/errors.ts';
import {
  createValueTable,
  type ValueTableBuffers,
  ValueTableReader,
  ValueTableWriter,
} from '../../src/ring/value-table.ts';
import type { ValueWriterData } from './fixtures/value-writer.ts';
import { iterOf, lastIter } from './fixtures/values.ts';

const bytes = (...values: number[]) => new Uint8Array(values);

/** index → payload bytes, for every index of `indices` that has a value. */
function snapshot(reader: ValueTableReader, indices: Iterable<number>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  reader.snapshot(indices, (index, payload) => out.set(index, [...payload]));
  return out;
}

describe('value table: one thread', () => {
  let table: ValueTableBuffers;
  let writer: ValueTableWriter;
  let reader: ValueTableReader;

  beforeEach(() => {
    table = createValueTable(4, 8);
    writer = new ValueTableWriter(table);
    reader = new ValueTableReader(table);
  });

  it('rejects sizes that are not positive integers', () => {
    for (const [entries, entryBytes] of [
      [0, 8],
      [4, 0],
      [2.5, 8],
    ] as const) {
      expect(() => createValueTable(entries, entryBytes))
        .to.throw()
        .with.property('code', RingErrorCode.ERR_BAD_SPEC);
    }
  });

  it('publishes values only on flip', () => {
    writer.set(1, bytes(1, 2, 3));
    expect(reader.has(1)).to.equal(false);
    expect(snapshot(reader, [0, 1, 2, 3])).to.deep.equal(new Map());
    writer.flip();
    expect(reader.has(1)).to.equal(true);
    expect(reader.has(0)).to.equal(false);
    expect(snapshot(reader, [0, 1, 2, 3])).to.deep.equal(new Map([[1, [1, 2, 3]]]));
  });

  it('keeps every value across flips: the new back bank catches up with the entries changed', () => {
    writer.set(0, bytes(10));
    writer.flip();
    writer.set(1, bytes(11));
    writer.flip();
    writer.set(2, bytes(12));
    writer.set(0, bytes(20, 20));
    writer.flip();
    expect(snapshot(reader, [0, 1, 2, 3])).to.deep.equal(
      new Map([
        [0, [20, 20]],
        [1, [11]],
        [2, [12]],
      ]),
    );
    writer.set(3, new Uint8Array(0));
    writer.flip();
    writer.set(1, bytes(21, 21, 21, 21, 21, 21, 21, 21));
    writer.flip();
    expect(snapshot(reader, [3, 1, 0])).to.deep.equal(
      new Map([
        [3, []],
        [1, [21, 21, 21, 21, 21, 21, 21, 21]],
        [0, [20, 20]],
      ]),
    );
  });

  it('visits the requested indices in order, with a reused view', () => {
    writer.set(0, bytes(1));
    writer.set(2, bytes(2));
    writer.flip();
    const seen: number[] = [];
    const views = new Set<ArrayBufferLike>();
    reader.snapshot([2, 1, 0], (index, payload) => {
      seen.push(index);
      views.add(payload.buffer);
    });
    expect(seen).to.deep.equal([2, 0]);
    expect(views.size).to.equal(1);
  });

  it('a new writer keeps the published values and drops the unpublished ones', () => {
    writer.set(0, bytes(1));
    writer.flip();
    writer.set(1, bytes(2));
    const restarted = new ValueTableWriter(table);
    restarted.set(2, bytes(3));
    restarted.flip();
    expect(snapshot(reader, [0, 1, 2])).to.deep.equal(
      new Map([
        [0, [1]],
        [2, [3]],
      ]),
    );
  });

  it('rejects a payload larger than entryBytes and indices outside the table', () => {
    expect(() => writer.set(0, new Uint8Array(9)))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_RECORD_TOO_LARGE);
    for (const index of [-1, 4, 0.5]) {
      expect(() => writer.set(index, bytes(1)))
        .to.throw()
        .with.property('code', RingErrorCode.ERR_BAD_INDEX);
      expect(() => reader.has(index))
        .to.throw()
        .with.property('code', RingErrorCode.ERR_BAD_INDEX);
      expect(() => reader.snapshot([index], () => undefined))
        .to.throw()
        .with.property('code', RingErrorCode.ERR_BAD_INDEX);
    }
  });

  it('rejects a buffer that does not match its sizes', () => {
    expect(() => new ValueTableReader({ ...table, entries: 5 }))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_BAD_BUFFERS);
  });
});

describe('value table: threads', () => {
  it('gives untorn, never older entries under a flipping writer thread, and the last value of each at the end', async () => {
    const entries = 48;
    const entryBytes = 96;
    const iterations = 20_000;
    const table = createValueTable(entries, entryBytes);
    const gate = new SharedArrayBuffer(8);
    const flags = new Int32Array(gate);
    const data: ValueWriterData = { table, iterations, gate };
    const worker = new Worker(new URL('./fixtures/value-writer.ts', import.meta.url), { workerData: data });
    const exited = once(worker, 'exit');
    await once(worker, 'online');
    const reader = new ValueTableReader(table);
    const indices = Array.from({ length: entries }, (_, i) => i);
    const newest = new Array<number>(entries).fill(0);
    const check = (index: number, payload: Uint8Array) => {
      const iter = iterOf(index, payload, entryBytes);
      if (iter < newest[index]!) throw new Error(`entry ${index}: iteration ${iter} after ${newest[index]}`);
      newest[index] = iter;
    };

    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    let snapshots = 0;
    const deadline = performance.now() + 4000;
    while (Atomics.load(flags, 1) === 0 && performance.now() < deadline) {
      reader.snapshot(indices, check);
      snapshots++;
    }
    expect(Atomics.load(flags, 1), 'writer finished').to.equal(1);
    const [code] = (await exited) as [number];
    expect(code).to.equal(0);

    reader.snapshot(indices, check);
    expect(newest).to.deep.equal(indices.map((i) => lastIter(i, iterations)));
    expect(snapshots, 'snapshots taken while the writer ran').to.be.greaterThan(10);
  });

  it('takes a snapshot from one published bank: every entry from the same flip', async () => {
    const entries = 64;
    const table = createValueTable(entries, 16);
    const worker = new Worker(new URL('./fixtures/generation-writer.ts', import.meta.url), {
      workerData: { table, generations: 50_000 },
    });
    const exited = once(worker, 'exit');
    const reader = new ValueTableReader(table);
    const indices = Array.from({ length: entries }, (_, i) => i);
    let snapshots = 0;
    let mixed = 0;
    let done = false;
    void exited.then(() => {
      done = true;
    });
    while (!done) {
      const generations = new Set<number>();
      reader.snapshot(indices, (index, payload) => {
        const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
        expect(view.getUint32(4, true)).to.equal(index);
        generations.add(view.getUint32(0, true));
      });
      if (generations.size > 1) mixed++;
      snapshots++;
      await new Promise((r) => setImmediate(r));
    }
    expect(snapshots).to.be.greaterThan(20);
    expect(mixed, `${mixed} of ${snapshots} snapshots mixed two flips`).to.equal(0);
  });
});
