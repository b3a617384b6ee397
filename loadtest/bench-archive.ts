// Benchmark of the archive (src/archive): records/s written by the store and by the recorder
// thread following a ring, time to first record of queries over a big archive, and replay MB/s.
// Then a real server over a synthetic downlink archive (4 Mbps of 1115-byte frames and a packet
// per 4 frames, `--hours` of it): time to first record of queries at the start, middle and end,
// cold (the file's pages dropped from the OS cache) and warm, and one client's replay MB/s.
// Also a real server whose test source writes flat out while `--clients` realtime clients read
// every record: records/s acquired, archived and delivered.
// Run: node loadtest/bench-archive.ts [--params N] [--frames N] [--seconds S] [--clients N]
//        [--hours H] [--dir DIR] [--keep] [--downlink-only] [--downlink DIR]
// --downlink DIR serves the downlink archive a previous run left (with --keep) in DIR/server
// instead of building one (a 24 h one takes 10 min and 58 GB).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { ScsClient } from '../protocol/client.ts';
import { MessageType, STREAMS } from '../protocol/constants.ts';
import { pack } from '../protocol/msgpack.ts';
import type { FromRecorder, RecorderWorkerData } from '../src/archive/messages.ts';
import { ArchiveReader } from '../src/archive/query.ts';
import { Recorder } from '../src/archive/recorder.ts';
import { ArchiveStore } from '../src/archive/store.ts';
import { hashToken } from '../src/config/token.ts';
import { createRingSet, type RecordMeta, RingSetWriter } from '../src/ring/ring.ts';
import { startServer } from '../src/server/server.ts';
import { systemClock } from '../src/util/clock.ts';
import { silentLogger } from '../src/util/logger.ts';

const { values } = parseArgs({
  options: {
    params: { type: 'string', default: '3000000' },
    frames: { type: 'string', default: '600000' },
    hours: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    clients: { type: 'string', default: '8' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'downlink-only': { type: 'boolean', default: false },
    downlink: { type: 'string' },
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

/**
 * The recorder's own cost: a Recorder on this thread drains a pre-filled ring; records per
 * second of this thread's CPU time, which a loaded machine does not distort as it does wall time.
 */
async function recorderCapacity(n: number): Promise<{ perCpuSecond: number; wall: number }> {
  const rings = createRingSet(
    STREAMS.map((_, i) => ({ slots: i === PARAMS_RING ? 1 << 21 : 8, slotBytes: 64 })),
  );
  const writer = new RingSetWriter(rings);
  const payload = new Uint8Array(64).fill(0x5a);
  for (let seq = 1; seq <= n; seq++) {
    setMeta(PARAMS_RING, seq);
    writer.write(PARAMS_RING, meta, payload);
    if (seq % 1000 === 0) writer.commit();
  }
  writer.commit();
  const store = new ArchiveStore(join(dir, 'capacity.db'));
  const log = { info() {}, warn() {}, error() {} };
  const recorder = new Recorder({ store, rings, clock: systemClock, log });
  const cpu0 = process.threadCpuUsage();
  const start = process.hrtime.bigint();
  const running = recorder.run();
  await recorder.stop();
  await running;
  const wall = seconds(start);
  const cpu = process.threadCpuUsage(cpu0);
  store.close();
  const records = recorder.counters().records.parameters;
  return { perCpuSecond: records / ((cpu.user + cpu.system) / 1e6), wall: records / wall };
}

function timed<T>(run: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = run();
  return { ms: seconds(start) * 1000, value };
}

async function main(): Promise<void> {
  if (values['downlink-only']) {
    await serveDownlink(Number(values.hours));
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    return;
  }
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

  const cap = await recorderCapacity(Math.min(PARAMS, 2_000_000));
  console.log(
    `recorder alone on a pre-filled ring: ${fmt(cap.perCpuSecond)} records per CPU-second of its thread ` +
      `(${fmt(cap.wall)} records/s wall clock)`,
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
    '3 parameters of 1000 by ert',
    () =>
      reader.page({ stream: 'parameters', from: mid, filter: { parameters: [417, 5, 998] } }, null, 500).rows,
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
  await recordWhileDistributing(Number(values.seconds), Number(values.clients));
  await serveDownlink(Number(values.hours));
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

/** Ring heads (records acquired per stream) from the server's /metrics. */
async function ringHeads(httpPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^scs_ring_head\{stream="\w+"\} (\d+)$/gm)) sum += Number(m[1]);
  return sum;
}

/** Records archived so far, all streams: the highest seq minus the holes' lost records. */
function archivedSoFar(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    let n = 0;
    for (const s of STREAMS)
      n += (db.prepare(`SELECT max(seq) AS v FROM ${s}`).get() as { v: number | null }).v ?? 0;
    return n - ((db.prepare('SELECT sum(lost) AS v FROM holes').get() as { v: number | null }).v ?? 0);
  } finally {
    db.close();
  }
}

/**
 * A real server, test source flat out ('saturate': 64-byte frames in commits of 64), the archive
 * on, `clients` realtime clients reading every frame: what is acquired, archived and delivered
 * per second over `secs` seconds of steady state.
 */
async function recordWhileDistributing(secs: number, clients: number): Promise<void> {
  const stateDir = join(dir, 'distributing');
  mkdirSync(stateDir, { recursive: true });
  const server = await startServer({
    config: {
      server: { port: 0, httpPort: 0, host: '127.0.0.1', actors: 2, stateDir },
      agencies: { bench: { tokenHash: hashToken('bench-secret'), maxConnections: clients + 1 } },
      simulator: { enabled: false },
      archive: { enabled: true, maxAgeDays: 0, maxBytes: 0 },
      log: { level: 'silent' },
    },
    // Short frames: the recorder's cost per record, not the disk's bandwidth for 1 KB frames.
    source: { kind: 'test', options: { mode: 'saturate', frameLength: 64, vcids: [0, 1, 2, 3] } },
    logger: silentLogger(),
  });
  try {
    let delivered = 0;
    const readers = await Promise.all(
      Array.from({ length: clients }, async () => {
        const c = await ScsClient.connect({ port: server.port, queue: false });
        c.on('message', (m: { type: number; body?: Record<string, unknown> }) => {
          if (m.type === MessageType.DATA) delivered += (m.body!.records as unknown[]).length;
        });
        await c.request({
          agency: 'bench',
          token: 'bench-secret',
          client: 'bench',
          stream: 'frames',
          mode: 'realtime',
        });
        return c;
      }),
    );
    const path = join(stateDir, 'archive.sqlite');
    await new Promise((r) => setTimeout(r, 1000)); // past the start-up
    const [a0, h0, d0, t0] = [
      archivedSoFar(path),
      await ringHeads(server.httpPort),
      delivered,
      process.hrtime.bigint(),
    ];
    await new Promise((r) => setTimeout(r, secs * 1000));
    const [a1, h1, d1, s] = [archivedSoFar(path), await ringHeads(server.httpPort), delivered, seconds(t0)];
    for (const c of readers) c.destroy();
    console.log(
      `while distributing (${clients} realtime clients, test source flat out, 64-byte frames, ${secs} s): ` +
        `${fmt((h1 - h0) / s)} records/s acquired, ${fmt((a1 - a0) / s)} archived, ` +
        `${fmt((d1 - d0) / s)} frame records/s delivered in all`,
    );
  } finally {
    await server.close();
  }
}

/** 4 Mbps of 1115-byte frames: 448 frames/s. */
const DOWNLINK_FPS = Math.round(4e6 / 8 / 1115);

/** Frames per packet record in the downlink archive, and the one APID among 65 536 packets. */
const FRAMES_PER_PACKET = 4;
const RARE_APID = 7;
const RARE_EVERY = 65_536;
const PACKETS_RING = STREAMS.indexOf('packets');

/** Bulk-inserts `hours` of a 4 Mbps downlink into a server's state dir: frames (8 VCs) and a
 * packet per 4 frames (APIDs 100–149, and RARE_APID once per RARE_EVERY packets, ≈ 10 min),
 * all valid ICD records. */
function buildDownlink(
  stateDir: string,
  hours: number,
): { frames: number; packets: number; seconds: number } {
  const store = new ArchiveStore(join(stateDir, 'archive.sqlite'));
  const n = Math.round(hours * 3600 * DOWNLINK_FPS);
  const data = new Uint8Array(1115).fill(0x1a);
  const packetData = new Uint8Array(32).fill(0x2b);
  let packets = 0;
  const start = process.hrtime.bigint();
  for (let seq = 1; seq <= n; ) {
    store.begin();
    for (const end = Math.min(n, seq + TX - 1); seq <= end; seq++) {
      const ert = T0 + Math.round((seq * 1e6) / DOWNLINK_FPS);
      const frame = {
        seq,
        ert,
        station: 'SIM',
        scid: 42,
        vcid: seq % 8,
        vcfc: seq & 0xffffff,
        quality: 0,
        data,
      };
      store.append(FRAMES_RING, { seq, ert, scet: 0, key1: frame.vcid, key2: -1, quality: 0 }, pack(frame));
      if (seq % FRAMES_PER_PACKET !== 0) continue;
      const p = ++packets;
      const apid = p % RARE_EVERY === 0 ? RARE_APID : 100 + (p % 50);
      const packet = {
        seq: p,
        ert,
        scet: ert - 500_000,
        station: 'SIM',
        scid: 42,
        vcid: frame.vcid,
        apid,
        ssc: p & 0x3fff,
        quality: 0,
        data: packetData,
      };
      store.append(
        PACKETS_RING,
        { seq: p, ert, scet: packet.scet, key1: frame.vcid, key2: apid, quality: 0 },
        pack(packet),
      );
    }
    store.commit();
  }
  store.close();
  return { frames: n, packets, seconds: seconds(start) };
}

/** Drops the file's pages from the OS page cache (GNU dd: a whole-file POSIX_FADV_DONTNEED),
 * so the next query reads the disk as a server just started on an old archive would. */
function dropCache(path: string): void {
  execFileSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/** A real server over the downlink archive: time to first record, and one client's replay rate. */
async function serveDownlink(hours: number): Promise<void> {
  const stateDir = join(values.downlink ?? dir, 'server');
  const path = join(stateDir, 'archive.sqlite');
  if (values.downlink === undefined) {
    mkdirSync(stateDir, { recursive: true });
    const built = buildDownlink(stateDir, hours);
    console.log(
      `downlink archive: ${hours} h of 4 Mbps = ${fmt(built.frames)} frames and ${fmt(built.packets)} packets, ` +
        `built in ${built.seconds.toFixed(1)} s, ${(statSync(path).size / 1e9).toFixed(1)} GB`,
    );
  }
  const server = await startServer({
    config: {
      server: { port: 0, httpPort: 0, host: '127.0.0.1', actors: 2, stateDir },
      agencies: { bench: { tokenHash: hashToken('bench-secret'), maxConnections: 10, maxArchiveQueries: 4 } },
      simulator: { enabled: false },
      archive: { enabled: true, maxAgeDays: 0, maxBytes: 0 },
      log: { level: 'silent' },
    },
    source: { kind: 'test', options: { mode: 'inject' } },
    logger: silentLogger(),
  });
  const ask = async (extra: Record<string, unknown>, whole: boolean) => {
    const c = await ScsClient.connect({ port: server.port, queue: false });
    let records = 0;
    let firstMs = 0;
    const start = process.hrtime.bigint();
    const done = new Promise<void>((resolve) =>
      c.on('message', (m: { type: number; body?: Record<string, unknown> }) => {
        if (m.type === MessageType.DATA) {
          if (firstMs === 0) firstMs = seconds(start) * 1000;
          records += (m.body!.records as unknown[]).length;
          if (!whole) resolve();
        }
        if (m.type === MessageType.END) resolve();
      }),
    );
    const bytes0 = c.bytesReceived;
    await c.request({
      agency: 'bench',
      token: 'bench-secret',
      client: 'bench',
      stream: 'frames',
      mode: 'archive',
      ...extra,
    });
    // REQUEST → ACK is authentication (scrypt, slow on purpose); ACK → DATA is the query.
    const ackMs = seconds(start) * 1000;
    await done;
    const s = seconds(start);
    const mb = (c.bytesReceived - bytes0) / 1e6;
    c.destroy();
    firstMs = firstMs === 0 ? Number.NaN : firstMs - ackMs;
    return { firstMs, records, s, mb };
  };
  const day = hours * 3600e6;
  await ask({ from: T0 }, false); // warm-up: the pool threads open the file
  // A set of more than 16 APIDs walks the time index (query.ts KEY_SEEK_MAX): the rare APID
  // found the way every key-filtered query was before the key indexes.
  const viaTimeIndex = [RARE_APID, ...Array.from({ length: 16 }, (_, i) => 1000 + i)];
  const queries = [
    ['every frame', {}],
    ['frames of 1 VC of 8', { filter: { vcids: [5] } }],
    ['packets of the rare APID (1 in 65 536)', { stream: 'packets', filter: { apids: [RARE_APID] } }],
    ['rare APID, time-index path', { stream: 'packets', filter: { apids: viaTimeIndex } }],
  ] as const;
  for (const [where, from] of [
    ['start', T0],
    ['middle', T0 + day / 2],
    ['end (last 20 min)', T0 + day - 20 * 60e6],
  ] as const) {
    for (const [label, extra] of queries) {
      const times: string[] = [];
      for (const cache of ['cold', 'warm'] as const) {
        if (cache === 'cold') dropCache(path);
        const r = await ask({ from, ...extra }, false);
        times.push(`${cache} ${r.firstMs.toFixed(1)} ms`);
      }
      console.log(
        `server: time to first record, ${where}, ${label}: ${times.join(', ')} (ACK to first DATA)`,
      );
    }
  }
  const mid = T0 + day / 2;
  const r = await ask({ from: mid, to: mid + Math.min(hours * 1800e6, 1800e6) }, true);
  console.log(
    `server: replay to one client at speed 0: ${fmt(r.records)} frames, ${(r.mb / r.s).toFixed(1)} MB/s ` +
      `(${((r.mb * 8) / r.s / 4).toFixed(0)}x a 4 Mbps downlink), first record ${r.firstMs.toFixed(1)} ms`,
  );
  await server.close();
}

await main();
