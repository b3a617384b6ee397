// Benchmark of the archive (src/archive): records/s written by the store and by the recorder
// thread following a ring, time to first record of queries over a big archive, and replay MB/s.
// Run: node loadtest/bench-archive.ts [--params N] [--frames N] [--dir DIR] [--keep]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { STREAMS } from '../protocol/constants.ts';
import type { FromRecorder, RecorderWorkerData } from '../src/archive/messages.ts';
import { ArchiveReader } from '../src/archive/query.ts';
import { ArchiveStore } from '../src/archive/store.ts';
import { createRingSet, type RecordMeta, RingSetWriter } from '../src/ring/ring.ts';

const { values } = parseArgs({
  options: {
    params: { type: 'string', default: '3000000' },
    frames: { type: 'string', default: '600000' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const PARAMS = Number(values.params);
const FRAMES = Number(values.frames);
const dir = mkdtempSync(join(values.dir ?? tmpdir(), 'scs-bench-archive-'));
const FRAMES_RING = STREAMS.indexOf('frames');
const PARAMS_RING = STREAMS.indexOf('parameters');
/** 1 ms between parameter samples, 2 ms between frames (ERT µs), from T0. */
const T0 = 1_750_000_000_000_000;
const PARAMETER_COUNT = 1000;
const TX = 16_384;

const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function setMeta(ring: number, seq: number): void {
  meta.seq = seq;
  if (ring === FRAMES_RING) {
    meta.ert = T0 + seq * 2000;
    meta.scet = 0;
    meta.key1 = seq % 8;
    meta.key2 = -1;
  } else {
    meta.ert = T0 + seq * 1000;
    meta.scet = meta.ert - 500_000;
    meta.key1 = seq % PARAMETER_COUNT;
    meta.key2 = 0;
  }
}

/** Writes `n` records through the store in transactions of TX, as the recorder does. */
function storeWrite(store: ArchiveStore, ring: number, n: number, bytes: number): number {
  const payload = new Uint8Array(bytes).fill(0x5a);
  const start = process.hrtime.bigint();
  for (let seq = 1; seq <= n; ) {
    store.begin();
    for (const end = Math.min(n, seq + TX - 1); seq <= end; seq++) {
      setMeta(ring, seq);
      store.append(ring, meta, payload);
    }
    store.commit();
  }
  return n / seconds(start);
}

/** A writer in this thread fills a ring as fast as it can; the recorder thread follows it. */
async function recorderWrite(n: number): Promise<{ rate: number; lost: number }> {
  const rings = createRingSet(
    STREAMS.map((_, i) => ({ slots: i === PARAMS_RING ? 1 << 20 : 8, slotBytes: 64 })),
  );
  const data: RecorderWorkerData = { rings, path: join(dir, 'recorder.db'), logLevel: 'warn' };
  const worker = new Worker(new URL('../src/archive/recorder-worker.ts', import.meta.url), {
    workerData: data,
  });
  const next = (kind: FromRecorder['kind']) =>
    new Promise<FromRecorder>((resolve, reject) => {
      worker.on('message', (m: FromRecorder) => (m.kind === kind ? resolve(m) : undefined));
      worker.once('error', reject);
    });
  await next('ready');
  const writer = new RingSetWriter(rings);
  const payload = new Uint8Array(64).fill(0x5a);
  const start = process.hrtime.bigint();
  // Bursts of 1000 records per commit, yielding between bursts so this thread stays a fair
  // producer (the acquisition commits per frame batch, too).
  for (let seq = 1; seq <= n; ) {
    for (const end = Math.min(n, seq + 999); seq <= end; seq++) {
      setMeta(PARAMS_RING, seq);
      writer.write(PARAMS_RING, meta, payload);
    }
    writer.commit();
    if (seq % 50_000 < 1000) await new Promise(setImmediate);
  }
  const stopped = next('stopped');
  worker.postMessage({ kind: 'stop' });
  const m = await stopped;
  const elapsed = seconds(start);
  if (m.kind !== 'stopped') throw new Error('unexpected message');
  return { rate: m.counters.records.parameters / elapsed, lost: m.counters.lost.parameters };
}

function timed<T>(run: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = run();
  return { ms: seconds(start) * 1000, value };
}

async function main(): Promise<void> {
  console.log(
    `archive bench in ${dir}: ${fmt(PARAMS)} parameter records (64 B), ${fmt(FRAMES)} frames (1115 B)`,
  );
  const path = join(dir, 'archive.db');
  const store = new ArchiveStore(path);
  const paramRate = storeWrite(store, PARAMS_RING, PARAMS, 64);
  console.log(`store write, 64-byte parameters:   ${fmt(paramRate)} records/s`);
  const frameRate = storeWrite(store, FRAMES_RING, FRAMES, 1115);
  console.log(
    `store write, 1115-byte frames:     ${fmt(frameRate)} records/s (${fmt((frameRate * 1115) / 1e6)} MB/s)`,
  );
  console.log(`archive file: ${fmt(store.usedBytes() / 1e6)} MB used`);
  store.close();

  const rec = await recorderWrite(Math.min(PARAMS, 2_000_000));
  console.log(
    `recorder thread following a ring, 64-byte records: ${fmt(rec.rate)} records/s, ${fmt(rec.lost)} lost`,
  );

  const reader = new ArchiveReader(path);
  const mid = T0 + (PARAMS / 2) * 1000;
  const first = (label: string, run: () => unknown[]) => {
    const t = timed(run);
    console.log(`first page (${t.value.length} rows), ${label}: ${t.ms.toFixed(2)} ms`);
  };
  first(
    'parameters by ert, mid-archive',
    () => reader.page({ stream: 'parameters', from: mid }, null, 500).rows,
  );
  first(
    'parameters by scet, mid-archive',
    () => reader.page({ stream: 'parameters', from: mid, timeBy: 'scet' }, null, 500).rows,
  );
  first(
    '1 parameter of 1000 by ert',
    () => reader.page({ stream: 'parameters', from: mid, filter: { parameters: [417] } }, null, 500).rows,
  );
  first(
    'frames of 1 vcid of 8 by ert',
    () => reader.page({ stream: 'frames', from: T0 + FRAMES * 1000, filter: { vcids: [5] } }, null, 500).rows,
  );
  first('since(seq) mid-archive', () => reader.since('parameters', PARAMS / 2, undefined, 500).nextPage());

  for (const [stream, label] of [
    ['frames', 'frames (1115 B)'],
    ['parameters', 'parameters (64 B)'],
  ] as const) {
    const t = timed(() => {
      let bytes = 0;
      let rows = 0;
      for (const page of reader.open({ stream }, 2000)) {
        rows += page.length;
        for (const r of page) bytes += r.payload.length;
      }
      return { bytes, rows };
    });
    const mbps = t.value.bytes / 1e6 / (t.ms / 1000);
    console.log(
      `replay ${label}, whole archive in ert order: ${fmt(t.value.rows / (t.ms / 1000))} records/s, ` +
        `${mbps.toFixed(1)} MB/s of payload (${fmt((mbps * 8) / 4 / 1)}x a 4 Mbps downlink)`,
    );
  }
  reader.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

await main();
