import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { NakError } from '../../protocol/errors.ts';
import {
  collectRecords,
  connect,
  frame,
  nextOfType,
  request,
  sample,
  startTestServer,
} from '../support/server.ts';

async function readUntilClosed(c: ScsClient): Promise<number[]> {
  const types: number[] = [];
  for (;;) {
    const m = await c.read().catch(() => undefined);
    if (m === undefined) return types;
    types.push(m.type);
  }
}

describe('actor crash isolation and graceful shutdown', function () {
  this.timeout(30_000);

  it('an actor that dies takes only its own sessions, frees their slots, and is replaced', async () => {
    const server = await startTestServer({ server: { actors: 2 } });
    try {
      const clients = await Promise.all(Array.from({ length: 10 }, () => connect(server)));
      await Promise.all(clients.map((c) => c.request(request())));
      const closed = new Set<ScsClient>();
      for (const c of clients) c.once('close', () => closed.add(c));
      const [victim] = server.actorThreads();
      await victim!.terminate();
      const deadline = Date.now() + 5000;
      while (closed.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      expect(closed.size, 'sessions lost with the actor').to.be.within(1, 9);
      const survivors = clients.filter((c) => !closed.has(c));
      await server.inject([frame(1), frame(2)]);
      for (const s of survivors) expect((await collectRecords(s, 2)).length).to.equal(2);
      // The dead actor's slots are free again: the agency (cap 10) admits as many as were lost.
      const fresh = await Promise.all(Array.from({ length: closed.size }, () => connect(server)));
      const results = await Promise.all(
        fresh.map((c) =>
          c.request(request()).then(
            () => 'ACK',
            (e: NakError) => e.code,
          ),
        ),
      );
      expect(
        results.every((r) => r === 'ACK'),
        results.join(),
      ).to.equal(true);
      expect(server.actorThreads().length).to.equal(2);
      await Promise.all([...survivors, ...fresh].map((c) => c.close()));
    } finally {
      await server.close();
    }
  });

  it('a crashed acquisition thread restarts and seq goes on increasing; meanwhile heartbeats say the link is down', async () => {
    const server = await startTestServer({ server: { heartbeatMs: 200 } });
    try {
      const c = await connect(server);
      await c.request(request());
      await server.inject([frame(1), frame(2)]);
      const before = (await collectRecords(c, 2)).map((r) => r.seq as number);
      // A sample for a parameter index the dictionary lacks makes the source fail: the thread dies.
      const crash = sample(0, 1);
      crash.rec.param = 10_000;
      await server.inject([crash]).catch(() => undefined);
      const hb = await nextOfType(c, MessageType.HEARTBEAT);
      expect(hb.body).to.deep.include({ state: 'DATA_BREAK', linkUp: false });
      let after: number[] = [];
      for (let i = 0; i < 50 && after.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const ok = await server.inject([frame(3)]).then(
          () => true,
          () => false,
        );
        if (ok) after = (await collectRecords(c, 1)).map((r) => r.seq as number);
      }
      expect(after).to.deep.equal([before[1]! + 1]);
      await c.close();
    } finally {
      await server.close();
    }
  });

  it('close(): BYE SHUTDOWN to every client, flush, close, within the shutdown time; idempotent', async () => {
    const server = await startTestServer();
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(server)));
    await Promise.all(clients.map((c) => c.request(request())));
    await server.inject([frame(1)]);
    const reads = clients.map((c) => readUntilClosed(c));
    const t0 = Date.now();
    await Promise.all([server.close(), server.close()]);
    expect(Date.now() - t0).to.be.below(5000);
    for (const types of await Promise.all(reads)) {
      expect(types).to.include(MessageType.DATA);
      expect(types[types.length - 1]).to.equal(MessageType.BYE);
    }
  });
});
