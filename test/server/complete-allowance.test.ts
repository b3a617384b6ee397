import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { frame, readWithin, request, startTestServer, testAgencies, testHash } from '../support/server.ts';

const FRAME_BYTES = 1115;

async function inject(server: ScsServer, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n += 1000) {
    const k = Math.min(1000, from + count - n);
    await server.inject(Array.from({ length: k }, (_, i) => frame(n + i, 0, FRAME_BYTES)));
  }
}

/** Reads until `want` records or a BYE or the socket closes, or `ms` of silence. */
async function drain(client: ScsClient, want: number, ms = 3000) {
  const seqs: number[] = [];
  let bye: Record<string, unknown> | undefined;
  while (seqs.length < want && bye === undefined) {
    const m = await readWithin(client, ms);
    if (m === 'timeout' || m === undefined) break;
    if (m.type === MessageType.DATA) seqs.push(...(m.body!.records as { seq: number }[]).map((r) => r.seq));
    if (m.type === MessageType.BYE) bye = m.body;
  }
  return { seqs, bye };
}

async function metric(server: ScsServer, name: string, agency: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{agency="${agency}"}`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('complete delivery: the allowance in bytes and in time (issue 15)', function () {
  this.timeout(60_000);
  let server: ScsServer;
  before(async () => {
    server = await startTestServer({
      // Server-wide: never cut below 256 KiB; above it only after 10 s behind.
      session: { completeBufferBytes: 256 * 1024, completeMaxBehindMs: 10_000, maxDataBytes: 64 * 1024 },
      agencies: {
        ...testAgencies(),
        // The agency's own allowance: 300 ms behind.
        brief: {
          tokenHash: testHash('brief-secret'),
          maxConnections: 4,
          streams: ['frames'],
          session: { completeMaxBehindMs: 300 },
        },
        // The agency's own hard cap: 1 MiB, however young the backlog.
        capped: {
          tokenHash: testHash('capped-secret'),
          maxConnections: 4,
          streams: ['frames'],
          session: { completeMaxBufferBytes: 1024 * 1024 },
        },
      },
    });
  });
  after(async () => {
    await server.close();
  });

  it('a client that stops reading for less than the allowance, far past completeBufferBytes, gets every record', async () => {
    // The client reads 4 messages, then nothing until the whole burst is queued at the server.
    const slow = await ScsClient.connect({ port: server.port, highWaterMark: 4 });
    await slow.request(request({ delivery: 'complete' }));
    const total = 20_000; // 22 MB: far more than 256 KiB plus what the kernel buffers hold
    await inject(server, 0, total);
    await sleep(200);
    const { seqs, bye } = await drain(slow, total);
    expect(bye, JSON.stringify(bye)).to.equal(undefined);
    expect(seqs).to.have.length(total);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).to.equal(seqs[i - 1]! + 1);
    await slow.close();
  });

  it("past the agency's time allowance the session is cut, and the BYE and /metrics say how far behind it was", async () => {
    const slow = await ScsClient.connect({ port: server.port, highWaterMark: 4 });
    await slow.request(request({ agency: 'brief', token: 'brief-secret', delivery: 'complete' }));
    // 22 MB: more than the kernel's socket buffers hold, so a backlog stays at the server.
    await inject(server, 100_000, 20_000);
    // Nothing is read for longer than 300 ms; the next records find the backlog too old.
    await sleep(800);
    await inject(server, 200_000, 100);
    const { seqs, bye } = await drain(slow, Number.POSITIVE_INFINITY, 2000);
    expect(bye?.reason).to.equal('SLOW_CONSUMER');
    expect(bye!.seq).to.equal(seqs[seqs.length - 1]);
    expect(bye!.behindMs as number).to.be.at.least(300);
    expect(bye!.behindBytes as number).to.be.above(256 * 1024);
    expect(await metric(server, 'scs_slow_consumer_closes_total', 'brief')).to.equal(1);
    expect(await metric(server, 'scs_slow_consumer_behind_seconds_total', 'brief')).to.be.at.least(0.3);
    expect(await metric(server, 'scs_slow_consumer_behind_bytes_total', 'brief')).to.equal(bye!.behindBytes);
    await slow.close();
  });

  it("past the agency's byte cap the session is cut at once, however young its backlog", async () => {
    const slow = await ScsClient.connect({ port: server.port, highWaterMark: 4 });
    await slow.request(request({ agency: 'capped', token: 'capped-secret', delivery: 'complete' }));
    await inject(server, 300_000, 20_000);
    const { bye } = await drain(slow, Number.POSITIVE_INFINITY, 2000);
    expect(bye?.reason).to.equal('SLOW_CONSUMER');
    expect(bye!.behindBytes as number).to.be.at.most(1024 * 1024);
    expect(bye!.behindMs as number).to.be.below(10_000);
  });
});
