// Micro-benchmark of the shared-memory ring, one thread: writes/s (commit every BATCH writes),
// meta reads/s and payload reads/s, for a 1115-byte and a 64-byte payload.
// Run: node loadtest/bench-ring.ts [records]
import { createRingSet, type RecordMeta, RingSetReader, RingSetWriter } from '../src/ring/ring.ts';

const SLOTS = 65_536;
const BATCH = 64;
const RECORDS = Number(process.argv[2] ?? 2_000_000);

function rate(count: number, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

function bench(payloadBytes: number): void {
  const slotBytes = Math.ceil(payloadBytes / 8) * 8;
  const set = createRingSet([{ slots: SLOTS, slotBytes }]);
  const writer = new RingSetWriter(set);
  const reader = new RingSetReader(set);
  const payload = new Uint8Array(payloadBytes).fill(0xa5);
  const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 1, key2: 2, quality: 0 };
  const writes = rate(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) {
      meta.seq = i;
      meta.ert = 1_700_000_000_000_000 + i;
      writer.write(0, meta, payload);
      if ((i + 1) % BATCH === 0) writer.commit();
    }
    writer.commit();
  });

  const oldest = reader.oldest(0);
  const head = reader.head(0);
  const out: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  const dst = new Uint8Array(slotBytes);
  let failed = 0;
  const metaReads = rate(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++)
      if (reader.readMeta(0, oldest + (i % (head - oldest)), out) !== 0) failed++;
  });
  const payloadReads = rate(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) {
      if (reader.read(0, oldest + (i % (head - oldest)), out, dst, 0) !== payloadBytes) failed++;
    }
  });
  if (failed > 0) throw new Error(`${failed} reads failed`);
  const m = (n: number) => `${(n / 1e6).toFixed(2)} M/s`.padStart(10);
  console.log(
    `payload ${String(payloadBytes).padStart(4)} B: writes ${m(writes)}  meta reads ${m(metaReads)}  payload reads ${m(payloadReads)}`,
  );
}

console.log(`ring bench: ${RECORDS} records per run, ${SLOTS} slots, commit every ${BATCH} writes`);
for (const bytes of [1115, 64]) bench(bytes);
