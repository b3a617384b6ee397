import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { frame, readWithin, request, startTestServer } from '../support/server.ts';

const FRAME_BYTES = 1115;

/** Injects `total` frames in batches, as fast as the acquisition side takes them. */
async function flood(server: ScsServer, total: number, batch = 1000): Promise<void> {
  for (let n = 0; n < total; n += batch) {
    await server.inject(
      Array.from({ length: Math.min(batch, total - n) }, (_, i) => frame(n + i, 0, FRAME_BYTES)),
    );
  }
}

describe('slow consumers (ICD §6 delivery policies)', function () {
  this.timeout(60_000);
  let server: ScsServer;
  before(async () => {
    server = await startTestServer({
      // completeMaxBehindMs 0: cut as soon as the backlog passes completeBufferBytes (the allowance
      // in time is complete-allowance.test.ts).
      session: {
        completeBufferBytes: 256 * 1024,
        completeMaxBehindMs: 0,
        latestHighWaterBytes: 64 * 1024,
        maxDataBytes: 64 * 1024,
      },
    });
  });
  after(async () => {
    await server.close();
  });

  it('complete: buffers up to the limit, then BYE SLOW_CONSUMER with the last seq delivered, and no gap before it', async () => {
    const slow = await ScsClient.connect({ port: server.port, highWaterMark: 4 });
    await slow.request(request({ delivery: 'complete' }));
    const fast = await ScsClient.connect({ port: server.port, queue: false });
    await fast.request(request({ delivery: 'complete' }));
    let fastRecords = 0;
    fast.on('message', (m) => {
      if (m.type === MessageType.DATA) fastRecords += (m.body.records as unknown[]).length;
    });
    const total = 20_000;
    await flood(server, total);
    const seqs: number[] = [];
    let bye: Record<string, unknown> | undefined;
    for (;;) {
      const m = await slow.read();
      if (m === undefined) break;
      if (m.type === MessageType.DATA) seqs.push(...(m.body!.records as { seq: number }[]).map((r) => r.seq));
      if (m.type === MessageType.BYE) bye = m.body;
    }
    expect(bye, 'BYE received').to.not.equal(undefined);
    expect(bye!.reason).to.equal('SLOW_CONSUMER');
    expect(bye!.seq).to.equal(seqs[seqs.length - 1]);
    expect(seqs.length).to.be.above(0).and.below(total);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).to.equal(seqs[i - 1]! + 1);
    // The slow client did not hold back the fast one on the same actor or the other.
    const deadline = Date.now() + 10_000;
    while (fastRecords < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fastRecords).to.equal(total);
    await fast.close();
  });

  it('latest: a client that falls behind gets the newest data, and skipped accounts for every record it missed', async () => {
    const slow = await ScsClient.connect({ port: server.port, highWaterMark: 4 });
    await slow.request(request({ delivery: 'latest' }));
    const total = 20_000;
    await flood(server, total);
    const marker = frame(0xabcdef, 0, 16);
    let received = 0;
    let skipped = 0;
    let markerSeen = false;
    let markerSent = false;
    let sawSkip = false;
    while (!markerSeen) {
      const m = await readWithin(slow, 500);
      if (m === 'timeout') {
        // The backlog is read; skipped records not yet reported ride on the next DATA.
        if (!markerSent) await server.inject([marker]);
        markerSent = true;
        continue;
      }
      if (m === undefined) throw new Error('connection closed');
      if (m.type !== MessageType.DATA) continue;
      const recs = m.body!.records as { vcfc: number }[];
      received += recs.length;
      if (typeof m.body!.skipped === 'number') {
        skipped += m.body!.skipped;
        sawSkip = true;
      }
      if (recs.some((r) => r.vcfc === 0xabcdef)) markerSeen = true;
    }
    expect(sawSkip).to.equal(true);
    expect(received + skipped).to.equal(total + 1);
    await slow.close();
  });
});
