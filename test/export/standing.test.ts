import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExportError } from '../../src/export/errors.ts';
import type { StandingOrderConfig } from '../../src/export/order.ts';
import { type DeliveryLogEntry, MAX_QUEUED_WINDOWS, StandingOrders } from '../../src/export/standing.ts';
import { decodePacketFile } from '../../src/files/packet-file.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { buildArchive, N, T0 } from './fixture.ts';

/** The minute after the fixture's records (2026-01-02T03:05:00Z), in ms. */
const TICK_MS = Math.ceil(T0 / 1000 / 60_000) * 60_000;

const readLog = (orders: StandingOrders) =>
  readFileSync(orders.logPath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as DeliveryLogEntry);

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('standing orders', function () {
  this.timeout(20_000);
  let archive: ReturnType<typeof buildArchive>;
  let stateDir: string;
  const opened: StandingOrders[] = [];
  const make = (
    orders: StandingOrderConfig[],
    extra: { clock?: FakeClock; onEntry?: (e: DeliveryLogEntry) => void } = {},
  ) => {
    const s = new StandingOrders({
      orders,
      archivePath: archive.path,
      stateDir,
      log: silentLogger(),
      ...extra,
    });
    opened.push(s);
    return s;
  };

  beforeEach(() => {
    archive = buildArchive();
    stateDir = join(archive.dir, 'state');
    mkdirSync(stateDir);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    archive.remove();
  });

  it('runs on its schedule (fake clock): the last window, filtered, to a directory, logged', async () => {
    const out = join(archive.dir, 'out');
    mkdirSync(out);
    const clock = new FakeClock(T0 / 1000);
    const entries: DeliveryLogEntry[] = [];
    let delivered: () => void = () => {};
    const orders = make(
      [
        {
          id: 'eps-minutely',
          every: '1m',
          lag: 5,
          stream: 'parameters',
          filter: { parameters: ['EPS.*'] },
          format: 'csv',
          to: { dir: out },
        },
      ],
      {
        clock,
        onEntry: (e) => {
          entries.push(e);
          delivered();
        },
      },
    );
    orders.start();
    const first = new Promise<void>((r) => (delivered = r));
    clock.advance(TICK_MS - T0 / 1000 + 4_999);
    expect(entries).to.have.length(0);
    clock.advance(1);
    await first;
    const name = 'parameters_20260102030400.csv';
    expect(readdirSync(out)).to.deep.equal([name]);
    const rows = readFileSync(join(out, name), 'utf8').trimEnd().split('\r\n');
    expect(rows.length - 1).to.equal((N / 3) * 2);
    expect(entries[0]).to.include({
      order: 'eps-minutely',
      from: (TICK_MS - 60_000) * 1000,
      to: TICK_MS * 1000,
      file: name,
      records: (N / 3) * 2,
      attempt: 1,
      result: 'delivered',
    });
    expect(readLog(orders)).to.deep.equal(entries);
    // The staging copy is gone; the next tick is armed.
    expect(readdirSync(join(stateDir, 'standing-orders', 'eps-minutely'))).to.deep.equal([]);
    const second = new Promise<void>((r) => (delivered = r));
    clock.advance(60_000);
    await second;
    expect(entries[1]).to.include({ file: 'parameters_20260102030500.csv', records: 0, result: 'delivered' });
  });

  it('delivers to a TCP endpoint that fails twice: 3 attempts logged, the whole packet file received', async () => {
    let connections = 0;
    const received: Buffer[] = [];
    const server = createServer((socket) => {
      connections++;
      if (connections <= 2) {
        socket.resetAndDestroy();
        return;
      }
      socket.on('data', (d: Buffer) => received.push(d));
      socket.on('end', () => socket.end());
    });
    const port = await listen(server);
    try {
      const orders = make([
        {
          id: 'pk',
          every: '1h',
          stream: 'packets',
          filter: { vcids: [1] },
          format: 'packets',
          to: { tcp: `127.0.0.1:${port}` },
          retryDelayMs: 5,
        },
      ]);
      const last = await orders.run('pk', TICK_MS);
      expect(last).to.include({
        result: 'delivered',
        attempt: 3,
        file: 'vc1_20260102020500',
        records: N / 3,
      });
      const log = readLog(orders);
      expect(log.map((e) => [e.attempt, e.result])).to.deep.equal([
        [1, 'retrying'],
        [2, 'retrying'],
        [3, 'delivered'],
      ]);
      expect(log[0]).to.include({ code: 'ERR_DELIVERY', retryInMs: 5 });
      expect(log[1]).to.include({ retryInMs: 10 });
      const packets = decodePacketFile(Buffer.concat(received));
      expect(packets).to.have.length(N / 3);
      expect(packets.every((p) => p.vcid === 1)).to.equal(true);
    } finally {
      server.close();
    }
  });

  it('runs the windows of one order one after another: a slow delivery queues the next', async () => {
    const events: string[] = [];
    let connections = 0;
    // allowHalfOpen: the endpoint, not Node, decides when it has taken the file.
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      const n = ++connections;
      events.push(`open ${n}`);
      socket.resume();
      // The first delivery is slow to be acknowledged: the endpoint ends it only later.
      socket.on('end', () => {
        setTimeout(
          () => {
            events.push(`end ${n}`);
            socket.end();
          },
          n === 1 ? 300 : 0,
        );
      });
    });
    const port = await listen(server);
    try {
      const orders = make([
        { id: 'q', every: '1h', stream: 'packets', format: 'packets', to: { tcp: `127.0.0.1:${port}` } },
      ]);
      const [a, b] = await Promise.all([orders.run('q', TICK_MS), orders.run('q', TICK_MS + 3_600_000)]);
      expect([a.result, b.result]).to.deep.equal(['delivered', 'delivered']);
      expect(events).to.deep.equal(['open 1', 'end 1', 'open 2', 'end 2']);
    } finally {
      server.close();
    }
  });

  it('queues at most MAX_QUEUED_WINDOWS windows of one order behind the run under way, logging the rest skipped', async () => {
    const out = join(archive.dir, 'out');
    mkdirSync(out);
    const orders = make([{ id: 'burst', every: '1h', stream: 'events', format: 'jsonl', to: { dir: out } }]);
    const n = MAX_QUEUED_WINDOWS + 4;
    const results = await Promise.all(
      Array.from({ length: n }, (_, k) => orders.run('burst', TICK_MS + k * 3_600_000)),
    );
    const counts = (r: string) => results.filter((e) => e.result === r).length;
    expect(counts('delivered')).to.equal(1 + MAX_QUEUED_WINDOWS);
    expect(counts('skipped')).to.equal(n - 1 - MAX_QUEUED_WINDOWS);
    // The newest windows are the ones skipped, and the log says so.
    expect(results.slice(-3).map((e) => e.result)).to.deep.equal(['skipped', 'skipped', 'skipped']);
    expect(readLog(orders).filter((e) => e.result === 'skipped')).to.have.length(n - 1 - MAX_QUEUED_WINDOWS);
  });

  it('delivers to an HTTP endpoint that fails twice (503), with headers saying what the body is', async () => {
    let requests = 0;
    let headers: IncomingHttpHeaders = {};
    let body = '';
    const server = createHttpServer((req, res) => {
      requests++;
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        if (requests <= 2) {
          res.writeHead(503).end();
          return;
        }
        headers = req.headers;
        body = Buffer.concat(chunks).toString();
        res.writeHead(204).end();
      });
    });
    const port = await listen(server);
    try {
      const orders = make([
        {
          id: 'events-daily',
          every: '1h',
          stream: 'events',
          filter: { severity: 'CRITICAL' },
          format: 'jsonl',
          to: { http: `http://127.0.0.1:${port}/dds/in` },
          retryDelayMs: 5,
        },
      ]);
      const last = await orders.run('events-daily', TICK_MS);
      expect(last).to.include({ result: 'delivered', attempt: 3 });
      expect(readLog(orders).map((e) => e.result)).to.deep.equal(['retrying', 'retrying', 'delivered']);
      expect(readLog(orders)[0]!.error).to.match(/status 503/);
      expect(headers).to.include({
        'content-type': 'application/x-ndjson',
        'x-scs-order': 'events-daily',
        'x-scs-file': 'events_20260102020500.jsonl',
        'x-scs-window': `${(TICK_MS - 3_600_000) * 1000}/${TICK_MS * 1000}`,
      });
      const seqs = body
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: number }).seq);
      expect(seqs).to.have.length(N / 4);
      expect(seqs.every((s) => s % 4 === 3)).to.equal(true);
    } finally {
      server.close();
    }
  });

  it('gives up after 6 retries, logging all 7 attempts, and leaves no staging file', async () => {
    // A port nobody listens on: every attempt is refused.
    const server = createServer();
    const port = await listen(server);
    server.close();
    await once(server, 'close');
    const orders = make([
      {
        id: 'nowhere',
        every: 60,
        stream: 'frames',
        format: 'jsonl',
        to: { tcp: `127.0.0.1:${port}` },
        retryDelayMs: 1,
      },
    ]);
    const last = await orders.run('nowhere', TICK_MS);
    expect(last).to.include({ result: 'gave-up', attempt: 7, code: 'ERR_DELIVERY' });
    const log = readLog(orders);
    expect(log.map((e) => e.attempt)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    expect(log.map((e) => e.retryInMs)).to.deep.equal([1, 2, 4, 8, 16, 32, undefined]);
    expect(existsSync(join(stateDir, 'standing-orders', 'nowhere', 'frames_20260102030400.jsonl'))).to.equal(
      false,
    );
  });

  it('close() cancels a pending retry, logs it, and is idempotent', async () => {
    let first: () => void = () => {};
    const retrying = new Promise<void>((r) => (first = r));
    const orders = make(
      [
        {
          id: 'slow',
          every: '1h',
          stream: 'events',
          format: 'csv',
          to: { tcp: '127.0.0.1:1' },
          retryDelayMs: 3_600_000,
        },
      ],
      { onEntry: (e) => e.result === 'retrying' && first() },
    );
    const run = orders.run('slow', TICK_MS);
    await retrying;
    await Promise.all([orders.close(), orders.close()]);
    expect(await run).to.include({ result: 'cancelled', attempt: 2 });
    expect(readLog(orders).map((e) => e.result)).to.deep.equal(['retrying', 'cancelled']);
  });

  it('refuses an order that can never run', () => {
    const base = { id: 'x', stream: 'parameters', format: 'csv', to: { dir: '/tmp' } } as const;
    for (const bad of [
      { ...base, every: 'daily' },
      { ...base, every: 0 },
      { ...base, every: '1h', format: 'packets' },
      { ...base, every: '1h', filter: { vcids: [1] } },
    ] as StandingOrderConfig[]) {
      expect(() => make([bad]), JSON.stringify(bad))
        .to.throw(ExportError)
        .with.property('code', 'ERR_EXPORT_SPEC');
    }
  });
});
