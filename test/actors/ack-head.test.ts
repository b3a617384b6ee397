import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { collectRecords, connect, frame, nextOfType, request, startTestServer } from '../support/server.ts';

/** seq of the records a live watcher gets for `count` injected frames. */
async function injectSeen(
  server: ScsServer,
  watcher: ScsClient,
  from: number,
  count: number,
): Promise<number[]> {
  await server.inject(Array.from({ length: count }, (_, i) => frame(from + i)));
  const records = await collectRecords(watcher, count);
  return records.map((r) => r.seq as number);
}

describe('ACK head (SPEC §6: where the catch-up ends)', () => {
  let server: ScsServer;
  let watcher: ScsClient;
  const clients: ScsClient[] = [];
  const open = async () => {
    const c = await connect(server);
    clients.push(c);
    return c;
  };
  before(async () => {
    server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
    watcher = await open();
    await watcher.request(request());
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.close();
  });

  it('is absent while the server holds no record of the stream, and for mode archive', async () => {
    const events = await open();
    const ack = await events.request(request({ stream: 'events' }));
    expect(ack).to.not.have.property('head');
    const archive = await open();
    const archived = await archive.request(request({ mode: 'archive', from: 0 }));
    expect(archived.mode).to.equal('archive');
    expect(archived).to.not.have.property('head');
  });

  it('is the newest seq at admission; a since replay is at or below it, live records above it', async () => {
    const seqs = await injectSeen(server, watcher, 1, 5);
    const plain = await open();
    const plainAck = await plain.request(request());
    expect(plainAck.head).to.equal(seqs[4]);

    const resumed = await open();
    const ack = await resumed.request(request({ since: seqs[1]! }));
    expect(ack.head).to.equal(seqs[4]);
    const replayed = await collectRecords(resumed, 3);
    expect(replayed.map((r) => r.seq)).to.deep.equal(seqs.slice(2));
    expect(replayed.every((r) => (r.seq as number) <= ack.head!)).to.equal(true);

    const [live] = await injectSeen(server, watcher, 6, 1);
    const [next] = await collectRecords(resumed, 1);
    expect(next!.seq).to.equal(live);
    expect(live).to.be.greaterThan(ack.head!);
    // The plain session got no catch-up: its first record is the live one.
    const [first] = await collectRecords(plain, 1);
    expect(first!.seq).to.equal(live);
  });

  it('a resume with nothing to replay gets head <= since', async () => {
    const [last] = await injectSeen(server, watcher, 10, 1);
    const c = await open();
    const ack = await c.request(request({ since: last! }));
    expect(ack.head).to.equal(last);
    const [live] = await injectSeen(server, watcher, 11, 1);
    const [got] = await collectRecords(c, 1);
    expect(got!.seq).to.equal(live);
  });

  it('a switch (ICD §4.5) answers with the head at the switch', async () => {
    const c = await open();
    const first = await c.request(request());
    const [newer] = await injectSeen(server, watcher, 20, 1);
    await collectRecords(c, 1);
    const second = await c.request(request({ filter: { vcids: [0] } }));
    expect(second.clientId).to.equal(first.clientId);
    expect(second.head).to.equal(newer);
    expect(second.head).to.be.greaterThan(first.head!);
    const [live] = await injectSeen(server, watcher, 21, 1);
    const m = await nextOfType(c, MessageType.DATA);
    expect((m.body!.records as { seq: number }[])[0]!.seq).to.equal(live);
  });
});
