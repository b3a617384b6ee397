// Shared by the acquisition tests: real ring sets, draining them, and the ICD §6 record shapes.
import { expect } from 'chai';
import { Limit, SEVERITIES, STREAMS, type Stream } from '../../protocol/constants.ts';
import { unpack } from '../../protocol/msgpack.ts';
import { createRingSet, type RecordMeta, type RingSetBuffers, RingSetReader } from '../../src/ring/ring.ts';
import { createValueTable, type ValueTableBuffers } from '../../src/ring/value-table.ts';

export interface Buffers {
  rings: RingSetBuffers;
  valueTable: ValueTableBuffers;
}

export function createBuffers(entries: number, slotBytes = [2048, 512, 256, 512], slots = 1 << 14): Buffers {
  return {
    rings: createRingSet(slotBytes.map((b) => ({ slots, slotBytes: b }))),
    valueTable: createValueTable(entries, slotBytes[2]!),
  };
}

export interface Read {
  meta: RecordMeta;
  rec: Record<string, unknown>;
}

/** Reads every committed record of a stream from `from` on; fails on an overrun. */
export class Drain {
  readonly reader: RingSetReader;
  readonly #next: number[];

  constructor(rings: RingSetBuffers) {
    this.reader = new RingSetReader(rings);
    this.#next = STREAMS.map(() => 0);
  }

  take(stream: Stream): Read[] {
    const ring = STREAMS.indexOf(stream);
    const dst = new Uint8Array(this.reader.maxRecordBytes(ring));
    const out: Read[] = [];
    const head = this.reader.head(ring);
    for (let pos = this.#next[ring]!; pos < head; pos++) {
      const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
      const n = this.reader.read(ring, pos, meta, dst, 0);
      if (n <= 0) throw new Error(`${stream} position ${pos}: read status ${n}`);
      // A copy: msgpackr's bin values are views into its input, and dst is reused.
      out.push({ meta, rec: unpack(dst.slice(0, n)) as Record<string, unknown> });
    }
    this.#next[ring] = head;
    return out;
  }

  takeAll(): Record<Stream, Read[]> {
    return {
      frames: this.take('frames'),
      packets: this.take('packets'),
      parameters: this.take('parameters'),
      events: this.take('events'),
    };
  }
}

type Check = (v: unknown) => boolean;
const uint: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const int: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v);
const text: Check = (v) => typeof v === 'string';
const bytes: Check = (v) => v instanceof Uint8Array;
const scalar: Check = (v) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
const limit: Check = (v) => (Object.values(Limit) as unknown[]).includes(v);
const severity: Check = (v) => (SEVERITIES as readonly unknown[]).includes(v);

/** ICD §6 fields of each stream, in order; `?` marks an optional field. */
const SHAPES: Record<Stream, [string, Check][]> = {
  frames: [
    ['seq', uint],
    ['ert', uint],
    ['station', text],
    ['scid', uint],
    ['vcid', uint],
    ['vcfc', uint],
    ['quality', uint],
    ['data', bytes],
  ],
  packets: [
    ['seq', uint],
    ['ert', uint],
    ['scet', uint],
    ['station', text],
    ['scid', uint],
    ['vcid', uint],
    ['apid', uint],
    ['ssc', uint],
    ['quality', uint],
    ['data', bytes],
  ],
  parameters: [
    ['seq', uint],
    ['name', text],
    ['scet', uint],
    ['ert', uint],
    ['raw', scalar],
    ['eng', scalar],
    ['unit?', text],
    ['limit', limit],
    ['quality', int],
  ],
  events: [
    ['seq', uint],
    ['time', uint],
    ['severity', severity],
    ['source', text],
    ['type', text],
    ['message', text],
    ['parameter?', text],
    ['value?', scalar],
  ],
};

/** Asserts the record is exactly the ICD §6 map of its stream: field set, order and types. */
export function expectIcdShape(stream: Stream, rec: Record<string, unknown>): void {
  const expected = SHAPES[stream].filter(([k]) => !k.endsWith('?') || k.slice(0, -1) in rec);
  expect(Object.keys(rec), `${stream} fields`).to.deep.equal(expected.map(([k]) => k.replace('?', '')));
  for (const [k, check] of expected) {
    const key = k.replace('?', '');
    expect(check(rec[key]), `${stream}.${key} = ${String(rec[key])}`).to.equal(true);
  }
}

/** Asserts seq is strictly increasing (by exactly one: the sink drops nothing here) from `first`. */
export function expectSeqRun(reads: readonly Read[], first: number): void {
  reads.forEach((r, i) => {
    expect(r.rec.seq).to.equal(first + i);
    expect(r.meta.seq).to.equal(first + i);
  });
}
