import { expect } from 'chai';
import { MessageType } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import {
  collectRecords,
  connect,
  event,
  frame,
  nextOfType,
  packet,
  request,
  sample,
  startTestServer,
} from '../support/server.ts';

describe('sessions (ICD-001 §4–§6, real server)', () => {
  let server: ScsServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('ACKs a valid REQUEST with every field of §3 and streams injected frames in order', async () => {
    const c = await connect(server);
    const ack = await c.request(request());
    expect(ack).to.include({ agency: 'alpha', stream: 'frames', mode: 'realtime', heartbeatMs: 2000 });
    expect(ack.clientId).to.match(new RegExp(`^${server.clientIdPrefix}-\\d+$`));
    expect(Math.abs(ack.serverTime - Date.now() * 1000)).to.be.below(5_000_000);
    await server.inject([frame(1), frame(2), frame(3)]);
    const recs = await collectRecords(c, 3);
    expect(recs.map((r) => (r.data as Uint8Array)[0])).to.deep.equal([1, 2, 3]);
    const seqs = recs.map((r) => r.seq as number);
    expect(seqs[1]).to.equal(seqs[0]! + 1);
    expect(seqs[2]).to.equal(seqs[1]! + 1);
    expect(recs[0]).to.have.all.keys('seq', 'ert', 'station', 'scid', 'vcid', 'vcfc', 'quality', 'data');
    await c.close();
  });

  it('gives every session a unique clientId', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => connect(server)));
    const acks = await Promise.all(
      clients.map((c) => c.request(request({ agency: 'gamma', token: 'gamma-secret' }))),
    );
    expect(new Set(acks.map((a) => a.clientId)).size).to.equal(8);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('filters frames by vcid and packets by apid', async () => {
    const f = await connect(server);
    await f.request(request({ filter: { vcids: [2] } }));
    const p = await connect(server);
    await p.request(request({ stream: 'packets', filter: { apids: [200, 202] } }));
    await server.inject([frame(10, 1), frame(11, 2), frame(12, 3), frame(13, 2)]);
    await server.inject([packet(1, 200), packet(2, 201), packet(3, 202)]);
    const frames = await collectRecords(f, 2);
    expect(frames.map((r) => r.vcid)).to.deep.equal([2, 2]);
    expect(frames.map((r) => (r.data as Uint8Array)[0])).to.deep.equal([11, 13]);
    const packets = await collectRecords(p, 2);
    expect(packets.map((r) => r.apid)).to.deep.equal([200, 202]);
    await Promise.all([f.close(), p.close()]);
  });

  it('starts a parameters session with the current value of every subscribed parameter', async () => {
    // EPS.BUS_V = 0, EPS.BUS_I = 1, THERM.BATT_T = 10 in the simulator dictionary.
    await server.inject([sample(0, 28.1), sample(1, 2.5), sample(10, 21.5), sample(0, 28.2)]);
    const c = await connect(server);
    const ack = await c.request(
      request({ stream: 'parameters', filter: { parameters: ['EPS.BUS_*', 'THERM.BATT_T'] } }),
    );
    expect(ack.parameters).to.deep.equal(['EPS.BUS_V', 'EPS.BUS_I', 'THERM.BATT_T']);
    const first = await nextOfType(c, MessageType.DATA);
    const recs = first.body!.records as Record<string, unknown>[];
    expect(recs.map((r) => [r.name, r.eng])).to.deep.equal([
      ['EPS.BUS_I', 2.5],
      ['THERM.BATT_T', 21.5],
      ['EPS.BUS_V', 28.2],
    ]);
    const seqs = recs.map((r) => r.seq as number);
    expect([...seqs].sort((a, b) => a - b)).to.deep.equal(seqs);
    await server.inject([sample(2, 30), sample(1, 2.6)]);
    const live = await collectRecords(c, 1);
    expect(live.map((r) => [r.name, r.eng])).to.deep.equal([['EPS.BUS_I', 2.6]]);
    await c.close();
  });

  it('decimates parameters to rateHz per parameter', async () => {
    // A current value 10 s old, so the snapshot is known before the batch is injected.
    const old = sample(33, -1);
    old.rec.ert -= 10_000_000;
    await server.inject([old]);
    const c = await connect(server);
    await c.request(request({ stream: 'parameters', filter: { parameters: ['OBC.CPU_LOAD'] }, rateHz: 1 }));
    expect((await collectRecords(c, 1)).map((r) => r.eng)).to.deep.equal([-1]);
    // 20 samples 10 µs apart: at 1 Hz only the first passes, then one two seconds later.
    await server.inject(Array.from({ length: 20 }, (_, i) => sample(33, i)));
    const later = sample(33, 99);
    later.rec.ert += 2_000_000;
    await server.inject([later]);
    const recs = await collectRecords(c, 2);
    expect(recs.map((r) => r.eng)).to.deep.equal([0, 99]);
    await c.close();
  });

  it('filters events by minimum severity', async () => {
    const c = await connect(server);
    await c.request(request({ stream: 'events', filter: { severity: 'ALARM' } }));
    await server.inject([
      event('INFO', 'a'),
      event('ALARM', 'b'),
      event('WARNING', 'c'),
      event('CRITICAL', 'd'),
    ]);
    const recs = await collectRecords(c, 2);
    expect(recs.map((r) => r.message)).to.deep.equal(['b', 'd']);
    expect(recs[0]).to.include.keys('seq', 'time', 'severity', 'source', 'type', 'message');
    await c.close();
  });

  it('switches an admitted session to a new REQUEST with the same clientId (§4.5)', async () => {
    const c = await connect(server);
    const ack1 = await c.request(request());
    const ack2 = await c.request(request({ stream: 'events' }));
    expect(ack2.clientId).to.equal(ack1.clientId);
    expect(ack2.stream).to.equal('events');
    await server.inject([frame(50), event('INFO', 'after switch')]);
    const recs = await collectRecords(c, 1);
    expect(recs[0]!.message).to.equal('after switch');
    await c.close();
  });

  it('answers PING with PONG carrying the same body', async () => {
    const c = await connect(server);
    await c.request(request());
    c.ping({ probe: 'x', n: 7 });
    const pong = await nextOfType(c, MessageType.PONG);
    expect(pong.body).to.deep.equal({ probe: 'x', n: 7 });
    await c.close();
  });

  it('shares one DATA body between sessions with the same selection, each with its own header seq', async () => {
    const a = await connect(server);
    const b = await connect(server);
    await a.request(request());
    await b.request(request());
    await server.inject([frame(70), frame(71)]);
    const [ra, rb] = await Promise.all([collectRecords(a, 2), collectRecords(b, 2)]);
    expect(ra).to.deep.equal(rb);
    await Promise.all([a.close(), b.close()]);
  });
});
