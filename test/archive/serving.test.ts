// Archive serving through the query pool, end to end: flow control, cancellation, and `since`
// across a seq jump (a restart after a crash).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import {
  collectRecords,
  connect,
  frame,
  nextOfType,
  readWithin,
  request,
  startTestServer,
} from '../support/server.ts';

/** Polls `read` until it gives the same value twice in a row `everyMs` apart. */
async function settled(read: () => number, everyMs = 150, maxMs = 5000): Promise<number> {
  let last = read();
  for (const deadline = Date.now() + maxMs; Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, everyMs));
    const now = read();
    if (now === last) return now;
    last = now;
  }
  throw new Error('never settled');
}

async function until(cond: () => boolean, maxMs = 5000): Promise<void> {
  for (const deadline = Date.now() + maxMs; !cond(); ) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('archive serving through the query pool', function () {
  this.timeout(30_000);

  it('reads pages only as the client reads them, never drops it, and ends the pool task when it leaves', async () => {
    const server = await startTestServer({
      archive: { enabled: true, commitMs: 20 },
      ring: { frames: { slots: 32_768, slotBytes: 2048 } },
    });
    try {
      // 24 MB: far more than the socket buffers hold.
      for (let b = 0; b < 16; b++) {
        await server.inject(Array.from({ length: 1000 }, (_, i) => frame(b * 1000 + i, 0, 1500)));
      }
      await new Promise((r) => setTimeout(r, 400)); // the recorder commits every 20 ms
      const stats = () => server.archiveQueries()!;
      const before = stats().steps;
      const c = await ScsClient.connect({ port: server.port, highWaterMark: 2 });
      await c.request(request({ mode: 'archive', from: 0 }));
      // The client reads nothing: once its socket is full the actor stops asking for pages.
      const steps = (await settled(() => stats().steps)) - before;
      expect(steps).to.be.greaterThan(0);
      expect(steps, 'pages read for a client that does not read').to.be.lessThan(16_000 / 512);
      expect(stats().running).to.equal(1);
      // Still served, not dropped for reading slowly.
      const m = await readWithin(c, 1000);
      expect(m !== 'timeout' && m?.type).to.equal(MessageType.DATA);
      c.destroy();
      await until(() => stats().running === 0);
      const ended = stats().steps;
      await new Promise((r) => setTimeout(r, 200));
      expect(stats().steps, 'no page read after the client left').to.equal(ended);

      // The same query read to the end: every record, then END.
      const d = await connect(server);
      await d.request(request({ mode: 'archive', from: 0 }));
      const recs = await collectRecords(d, 16_000, 10_000);
      expect(recs.map((r) => r.seq)).to.deep.equal(Array.from({ length: 16_000 }, (_, i) => i + 1));
      expect((await nextOfType(d, MessageType.END)).body).to.deep.equal({
        records: 16_000,
        reason: 'COMPLETE',
      });
      await d.close();
      await until(() => stats().running === 0);
    } finally {
      await server.close();
    }
  });

  it('since across the seq jump of a restart after a crash: no gap, no duplicate, nothing reported skipped', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-serving-'));
    const opts = {
      stateDir,
      archive: { enabled: true, commitMs: 20 },
      ring: { frames: { slots: 256, slotBytes: 2048 } },
    };
    let server: ScsServer = await startTestServer(opts);
    try {
      const c = await connect(server);
      await c.request(request());
      await server.inject(Array.from({ length: 5 }, (_, i) => frame(i)));
      expect((await collectRecords(c, 5)).map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5]);
      c.destroy();
      await server.destroy(); // no clean-stop marker: the next run jumps seq
      server = await startTestServer(opts);
      // Four times the ring: the backfill must take the jump from the archive.
      for (let b = 0; b < 10; b++) {
        await server.inject(Array.from({ length: 100 }, (_, i) => frame(100 + b * 100 + i)));
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 300));
      const d = await connect(server);
      await d.request(request({ since: 3 }));
      const live = server.inject(Array.from({ length: 50 }, (_, i) => frame(5000 + i)));
      const bodies: Record<string, unknown>[] = [];
      const seqs: number[] = [];
      while (seqs.length < 2 + 1000 + 50) {
        const m = await nextOfType(d, MessageType.DATA);
        bodies.push(m.body!);
        for (const r of m.body!.records as { seq: number }[]) seqs.push(r.seq);
      }
      await live;
      expect(seqs.slice(0, 2)).to.deep.equal([4, 5]);
      const jumped = 5 + 1 + 256 + 16_384;
      expect(seqs.slice(2)).to.deep.equal(Array.from({ length: 1050 }, (_, i) => jumped + i));
      expect(bodies.filter((b) => b.skipped !== undefined)).to.deep.equal([]);
      await d.close();
    } finally {
      await server.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
