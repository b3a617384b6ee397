// Micro-benchmark of the shared-memory ring, one thread: writes/s (commit every BATCH writes),
// meta reads/s and payload reads/s, for the ring (variable-length records in a byte ring) and,
// in the same run, its peer: the fixed-stride ring it replaced (loadtest/peers/fixed-slot-ring.ts).
// Cases: 1115-byte and 64-byte payloads (both rings the same memory), and a 60-byte / 10-KB mix
// (the fixed ring needs 10-KB slots for it, so 13× the memory). Each measurement runs in a fresh
// worker thread (its own JIT: no call site is shared, and so made polymorphic, by the two rings);
// rounds alternate the two rings and the median of ROUNDS is printed, so load on the machine hits
// both alike.
// Run: node loadtest/bench-ring.ts [records] [rounds]

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createRingSet, type RecordMeta, RingSetReader, RingSetWriter } from '../src/ring/ring.ts';
import * as peer from './peers/fixed-slot-ring.ts';

const SLOTS = 65_536;
const BATCH = 64;
const RECORDS = isMainThread
  ? Number(process.argv[2] ?? 2_000_000)
  : (workerData as { records: number }).records;
const ROUNDS = Number(process.argv[3] ?? 5);

interface Impl {
  name: string;
  create(slotBytes: number): {
    writer: { write(ring: number, meta: RecordMeta, payload: Uint8Array): number; commit(): void };
    reader: {
      head(ring: number): number;
      oldest(ring: number): number;
      readMeta(ring: number, pos: number, out: RecordMeta): number;
      read(ring: number, pos: number, out: RecordMeta, dst: Uint8Array, dstOffset: number): number;
    };
    bytes: number;
  };
}

const IMPLS: Impl[] = [
  {
    name: 'byte ring',
    create(slotBytes) {
      const set = createRingSet([{ slots: SLOTS, slotBytes }]);
      return {
        writer: new RingSetWriter(set),
        reader: new RingSetReader(set),
        bytes: ringBytes(set.rings[0]!),
      };
    },
  },
  {
    name: 'fixed slots (peer)',
    create(slotBytes) {
      const set = peer.createRingSet([{ slots: SLOTS, slotBytes }]);
      return {
        writer: new peer.RingSetWriter(set),
        reader: new peer.RingSetReader(set),
        bytes: ringBytes(set.rings[0]!),
      };
    },
  },
];

function ringBytes(r: { head: SharedArrayBuffer; meta: SharedArrayBuffer; data: SharedArrayBuffer }): number {
  return r.head.byteLength + r.meta.byteLength + r.data.byteLength;
}

interface Case {
  name: string;
  payloads: Uint8Array[];
  /** slotBytes per implementation: the byte ring budgets the mean, the fixed ring the largest. */
  slotBytes: Record<string, number>;
}

const up8 = (n: number) => Math.ceil(n / 8) * 8;
const fill = (n: number) => new Uint8Array(n).fill(0xa5);
// One 10-KB packet in 16: mean 672 bytes.
const mix = Array.from({ length: 16 }, (_, i) => fill(i === 0 ? 10_000 : 60));
const mixMean = up8(mix.reduce((a, p) => a + p.length, 0) / mix.length);
const CASES: Case[] = [
  {
    name: '1115 B',
    payloads: [fill(1115)],
    slotBytes: { 'byte ring': up8(1115), 'fixed slots (peer)': up8(1115) },
  },
  { name: '64 B', payloads: [fill(64)], slotBytes: { 'byte ring': 64, 'fixed slots (peer)': 64 } },
  {
    name: '60 B + 10 KB mix',
    payloads: mix,
    slotBytes: { 'byte ring': mixMean, 'fixed slots (peer)': up8(10_000) },
  },
];

function rate(count: number, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

interface Figures {
  writes: number;
  metaReads: number;
  payloadReads: number;
  bytes: number;
}

function once(impl: Impl, c: Case): Figures {
  const { writer, reader, bytes } = impl.create(c.slotBytes[impl.name]!);
  const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 1, key2: 2, quality: 0 };
  const n = c.payloads.length;
  const writes = rate(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) {
      meta.seq = i;
      meta.ert = 1_700_000_000_000_000 + i;
      writer.write(0, meta, c.payloads[i % n]!);
      if ((i + 1) % BATCH === 0) writer.commit();
    }
    writer.commit();
  });
  const oldest = reader.oldest(0);
  const head = reader.head(0);
  const out: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  const dst = new Uint8Array(up8(Math.max(...c.payloads.map((p) => p.length))));
  let failed = 0;
  const metaReads = rate(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++)
      if (reader.readMeta(0, oldest + (i % (head - oldest)), out) < 0) failed++;
  });
  const payloadReads = rate(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++)
      if (reader.read(0, oldest + (i % (head - oldest)), out, dst, 0) < 0) failed++;
  });
  if (failed > 0) throw new Error(`${impl.name} ${c.name}: ${failed} reads failed`);
  return { writes, metaReads, payloadReads, bytes };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One measurement in a fresh worker thread. */
function inWorker(impl: string, caseName: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { impl, caseName, records: RECORDS } });
    w.once('message', (f: Figures) => resolve(f));
    w.once('error', reject);
  });
}

if (!isMainThread) {
  const { impl, caseName } = workerData as { impl: string; caseName: string };
  const figures = once(IMPLS.find((i) => i.name === impl)!, CASES.find((c) => c.name === caseName)!);
  parentPort!.postMessage(figures);
} else {
  await main();
}

async function main(): Promise<void> {
  const m = (n: number) => `${(n / 1e6).toFixed(2)} M/s`.padStart(10);
  console.log(
    `ring bench: ${RECORDS} records per run, ${SLOTS} slots, commit every ${BATCH} writes, median of ${ROUNDS} alternating rounds`,
  );
  for (const c of CASES) {
    const runs = new Map<string, Figures[]>(IMPLS.map((i) => [i.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which ring goes first, so neither always runs on a warmer (or busier) machine.
      const order = round % 2 === 0 ? IMPLS : [...IMPLS].reverse();
      for (const impl of order) runs.get(impl.name)!.push(await inWorker(impl.name, c.name));
    }
    const med = new Map(
      [...runs].map(([name, f]) => [
        name,
        {
          writes: median(f.map((x) => x.writes)),
          metaReads: median(f.map((x) => x.metaReads)),
          payloadReads: median(f.map((x) => x.payloadReads)),
          bytes: f[0]!.bytes,
        },
      ]),
    );
    for (const [name, f] of med) {
      console.log(
        `${c.name.padEnd(17)} ${name.padEnd(18)} writes ${m(f.writes)}  meta reads ${m(f.metaReads)}  payload reads ${m(f.payloadReads)}  memory ${(f.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB`,
      );
    }
    const a = med.get(IMPLS[0]!.name)!;
    const b = med.get(IMPLS[1]!.name)!;
    const r = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
    console.log(
      `${c.name.padEnd(17)} ${'ratio byte/fixed'.padEnd(18)} writes ${r(a.writes, b.writes).padStart(10)}  meta reads ${r(a.metaReads, b.metaReads).padStart(10)}  payload reads ${r(a.payloadReads, b.payloadReads).padStart(10)}  memory ${r(a.bytes, b.bytes).padStart(10)}`,
    );
  }
}
