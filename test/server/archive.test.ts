import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MessageType, NakCode } from '../../protocol/constants.ts';
import type { NakError } from '../../protocol/errors.ts';
import {
  collectRecords,
  connect,
  frame,
  nextOfType,
  request,
  startTestServer,
  testAgencies,
  testHash,
} from '../support/server.ts';

describe('archive recording (issue 4, wired into the server)', function () {
  this.timeout(30_000);

  it('keeps seq across a server restart: the next records continue after the archived ones', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-archive-'));
    const runs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const server = await startTestServer({ stateDir, archive: { enabled: true, commitMs: 20 } });
      try {
        const c = await connect(server);
        await c.request(request());
        await server.inject([frame(1), frame(2), frame(3)]);
        runs.push((await collectRecords(c, 3)).map((r) => r.seq as number));
        await c.close();
      } finally {
        await server.close();
      }
    }
    expect(runs[0]).to.deep.equal([1, 2, 3]);
    expect(runs[1]).to.deep.equal([4, 5, 6]);
  });

  it('after a stop that was not clean, seq jumps past anything that may have been sent but not archived', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-archive-'));
    const ring = { frames: { slots: 256, slotBytes: 2048 } };
    const first = await startTestServer({ stateDir, ring, archive: { enabled: true, commitMs: 20 } });
    const c = await connect(first);
    await c.request(request());
    await first.inject([frame(1), frame(2), frame(3)]);
    expect((await collectRecords(c, 3)).map((r) => r.seq)).to.deep.equal([1, 2, 3]);
    c.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await first.destroy(); // hard: no clean-stop marker
    const second = await startTestServer({ stateDir, ring, archive: { enabled: true } });
    try {
      const d = await connect(second);
      await d.request(request());
      await second.inject([frame(4)]);
      expect((await collectRecords(d, 1))[0]!.seq).to.equal(3 + 1 + 256 + 16_384);
      await d.close();
    } finally {
      await second.close();
    }
  });

  it('reports the archive in /healthz', async () => {
    const server = await startTestServer({ archive: { enabled: true } });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).json()) as {
        detail: { archive: unknown };
      };
      expect(health.detail.archive).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('since: a client that reconnects with its last seq gets every later record, from the archive and the ring, then live: no gap, no duplicate', async () => {
    // A small ring, so most of what the client missed is only in the archive.
    const server = await startTestServer({
      archive: { enabled: true, commitMs: 20 },
      ring: { frames: { slots: 256, slotBytes: 2048 } },
    });
    try {
      const first = await connect(server);
      await first.request(request({ delivery: 'complete' }));
      await server.inject(Array.from({ length: 50 }, (_, i) => frame(i)));
      const seen = (await collectRecords(first, 50)).map((r) => r.seq as number);
      first.destroy();
      const last = seen[seen.length - 1]!;
      // Acquired while the client was away: far more than the ring holds.
      // (In batches the recorder can follow, so the archive holds them all.)
      for (let b = 0; b < 30; b++) {
        await server.inject(Array.from({ length: 100 }, (_, i) => frame(1000 + b * 100 + i)));
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 300)); // the recorder commits every 20 ms
      const second = await connect(server);
      await second.request(request({ delivery: 'complete', since: last }));
      // And more while it catches up.
      const live = server.inject(Array.from({ length: 200 }, (_, i) => frame(5000 + i)));
      const resumed = (await collectRecords(second, 3000 + 200, 20_000)).map((r) => r.seq as number);
      await live;
      const all = [...seen, ...resumed];
      expect(all.length).to.equal(50 + 3000 + 200);
      for (let i = 1; i < all.length; i++) expect(all[i], `at ${i}`).to.equal(all[i - 1]! + 1);
      await second.close();
    } finally {
      await server.close();
    }
  });

  it('mode archive: the range in time order, paced at speed × real time by the records own times, then END and IDLE', async () => {
    const server = await startTestServer({
      archive: { enabled: true, commitMs: 20 },
      server: { heartbeatMs: 300 },
    });
    try {
      const base = Date.now() * 1000 - 60_000_000;
      const frames = Array.from({ length: 20 }, (_, i) => {
        const f = frame(i, i % 2);
        f.rec.ert = base + i * 100_000; // 100 ms apart
        return f;
      });
      await server.inject(frames);
      await new Promise((r) => setTimeout(r, 300));

      const fast = await connect(server);
      const ack = await fast.request(request({ mode: 'archive', from: base, to: base + 10_000_000 }));
      expect(ack.mode).to.equal('archive');
      const recs = await collectRecords(fast, 20);
      expect(recs.map((r) => r.ert)).to.deep.equal(frames.map((f) => f.rec.ert));
      const end = await nextOfType(fast, MessageType.END);
      expect(end.body).to.deep.equal({ records: 20, reason: 'COMPLETE' });
      const idle = await nextOfType(fast, MessageType.HEARTBEAT);
      expect(idle.body!.state).to.equal('IDLE');
      await fast.close();

      const filtered = await connect(server);
      await filtered.request(request({ mode: 'archive', from: base, filter: { vcids: [1] } }));
      expect((await collectRecords(filtered, 10)).every((r) => r.vcid === 1)).to.equal(true);
      expect((await nextOfType(filtered, MessageType.END)).body).to.deep.include({ records: 10 });
      await filtered.close();

      // At 10×, 1.9 s of recorded time takes about 190 ms: measured by the server's own
      // send times (DATA header `time`), not by sleeping here.
      const paced = await connect(server);
      await paced.request(request({ mode: 'archive', from: base, speed: 10 }));
      const sendTimes: number[] = [];
      let got = 0;
      while (got < 20) {
        const m = await nextOfType(paced, MessageType.DATA);
        sendTimes.push(m.time);
        got += (m.body!.records as unknown[]).length;
      }
      const spanMs = (sendTimes[sendTimes.length - 1]! - sendTimes[0]!) / 1000;
      expect(spanMs).to.be.within(150, 800);
      expect(sendTimes.length).to.be.greaterThan(3);
      await paced.close();
    } finally {
      await server.close();
    }
  });

  it('mode archive refuses timeBy scet for streams without spacecraft time', async () => {
    const server = await startTestServer({ archive: { enabled: true } });
    try {
      const c = await connect(server);
      const err = await c
        .request(request({ mode: 'archive', from: 0, timeBy: 'scet' }))
        .catch((e: NakError) => e);
      expect((err as NakError).code).to.equal(NakCode.INVALID_REQUEST);
      expect((err as NakError).reason).to.contain('timeBy');
    } finally {
      await server.close();
    }
  });

  it('limits concurrent archive queries per agency (SERVER_FULL beyond), and frees the quota when a query ends', async () => {
    const server = await startTestServer({
      archive: { enabled: true, commitMs: 20 },
      agencies: {
        ...testAgencies(),
        hist: { tokenHash: testHash('hist-secret'), maxConnections: 10, maxArchiveQueries: 1 },
      },
    });
    try {
      const body = request({
        agency: 'hist',
        token: 'hist-secret',
        mode: 'archive',
        from: 0,
        to: 2 ** 52,
        speed: 1,
      });
      // Two records 30 s apart: at speed 1 the query lasts 30 s unless it is ended.
      const early = frame(1);
      const late = frame(2);
      late.rec.ert = early.rec.ert + 30_000_000;
      await server.inject([early, late]);
      await new Promise((r) => setTimeout(r, 200));
      const a = await connect(server);
      await a.request(body);
      const b = await connect(server);
      const err = await b.request(body).catch((e: NakError) => e);
      expect((err as NakError).code).to.equal(NakCode.SERVER_FULL);
      expect((err as NakError).reason).to.contain('archive');
      // Switching the first session to realtime ends its query and frees the quota.
      await a.request(request({ agency: 'hist', token: 'hist-secret' }));
      const c = await connect(server);
      expect((await c.request(body)).mode).to.equal('archive');
      await Promise.all([a.close(), c.close()]);
    } finally {
      await server.close();
    }
  });

  it('since with a filter reports no skipped for records that simply do not match', async () => {
    const server = await startTestServer({
      archive: { enabled: true, commitMs: 20 },
      ring: { frames: { slots: 256, slotBytes: 2048 } },
    });
    try {
      const first = await connect(server);
      await first.request(request({ filter: { vcids: [1] } }));
      await server.inject(Array.from({ length: 5 }, (_, i) => frame(i, 1)));
      const last = (await collectRecords(first, 5)).at(-1)!.seq as number;
      first.destroy();
      await server.inject(Array.from({ length: 10 }, (_, i) => frame(100 + i, 1)));
      for (let b = 0; b < 10; b++) {
        await server.inject(Array.from({ length: 100 }, (_, i) => frame(200 + b * 100 + i, 0)));
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 300));
      const second = await connect(server);
      await second.request(request({ filter: { vcids: [1] }, since: last }));
      const messages = [];
      let records = 0;
      while (records < 10) {
        const m = await nextOfType(second, MessageType.DATA);
        messages.push(m.body!);
        records += (m.body!.records as unknown[]).length;
      }
      expect(records).to.equal(10);
      expect(messages.every((b) => b.skipped === undefined)).to.equal(true);
      await second.close();
    } finally {
      await server.close();
    }
  });

  it('mode archive with a from in the future and no to: END with 0 records', async () => {
    const server = await startTestServer({ archive: { enabled: true } });
    try {
      const c = await connect(server);
      await c.request(request({ mode: 'archive', from: Date.now() * 1000 + 3_600_000_000 }));
      expect((await nextOfType(c, MessageType.END)).body).to.deep.equal({ records: 0, reason: 'COMPLETE' });
      await c.close();
    } finally {
      await server.close();
    }
  });
});
