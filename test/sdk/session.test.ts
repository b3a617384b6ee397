import net from 'node:net';
import { expect } from 'chai';
import { NakError } from '../../protocol/errors.ts';
import { connect, type FrameRecord, type ParameterRecord, SdkError, Session } from '../../src/sdk/index.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { frame, sample, startTestServer } from '../support/server.ts';

/** A port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function failure(fn: () => Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

describe('SDK session against a real server', () => {
  let server: ScsServer;
  let other: ScsServer;
  before(async () => {
    [server, other] = await Promise.all([startTestServer(), startTestServer()]);
  });
  after(async () => {
    await Promise.all([server.close(), other.close()]);
  });

  it('yields typed frame records in seq order, with the connect info', async () => {
    const session = await connect({
      servers: [{ port: server.port }],
      agency: 'alpha',
      token: 'alpha-secret',
    });
    const connected: string[] = [];
    session.on('connect', (info) => {
      connected.push(info.clientId);
      void server.inject([frame(1, 3), frame(2, 3), frame(3, 5)]);
    });
    const got: FrameRecord[] = [];
    for await (const r of session.request({ stream: 'frames', mode: 'realtime', filter: { vcids: [3] } })) {
      got.push(r);
      if (got.length === 2) break;
    }
    expect(got.map((r) => r.vcid)).to.deep.equal([3, 3]);
    expect(got[1]!.seq).to.be.greaterThan(got[0]!.seq);
    expect(got[0]!.data).to.be.instanceOf(Uint8Array);
    expect([...got[1]!.data.subarray(0, 4)]).to.deep.equal([2, 2, 2, 2]);
    expect(connected).to.have.length(1);
    expect(session.clientId).to.equal(connected[0]);
    await session.close();
    expect(session.freshness).to.equal('lost');
  });

  it('yields parameter records with their names; the first DATA holds current values', async () => {
    await server.inject([sample(0, 28.5)]);
    const session = new Session({ servers: [{ port: server.port }], agency: 'beta', token: 'beta-secret' });
    const it = session.request({ stream: 'parameters', mode: 'realtime' });
    const first = await it.next();
    expect(first.done).to.equal(false);
    const r = first.value as ParameterRecord;
    expect(r.name)
      .to.be.a('string')
      .and.match(/^EPS\./);
    expect(typeof r.seq).to.equal('number');
    await it.return();
    await session.close();
  });

  it('a NAK becomes a NakError with the ICD code and reason', async () => {
    const bad = await connect({ servers: [{ port: server.port }], agency: 'alpha', token: 'wrong-token' });
    const auth = await failure(async () => {
      for await (const _ of bad.request({ stream: 'frames', mode: 'realtime' })) break;
    });
    expect(auth).to.be.instanceOf(NakError);
    expect(auth.code).to.equal('AUTH_FAILED');
    expect((auth as NakError).reason).to.contain('bad token');
    await bad.close();

    const beta = await connect({ servers: [{ port: server.port }], agency: 'beta', token: 'beta-secret' });
    const forbidden = await failure(async () => {
      for await (const _ of beta.request({ stream: 'frames', mode: 'realtime' })) break;
    });
    expect(forbidden.code).to.equal('FORBIDDEN');
    await beta.close();
  });

  it('connect() fails over to the next server; with none reachable it is ERR_NO_SERVER', async () => {
    const dead = await deadPort();
    const session = await connect({
      servers: [{ port: dead }, { port: other.port }],
      agency: 'alpha',
      token: 'alpha-secret',
    });
    expect(session.server?.port).to.equal(other.port);
    await session.close();
    const none = await failure(() => connect({ servers: [{ port: dead }], agency: 'alpha', token: 'x' }));
    expect(none).to.be.instanceOf(SdkError);
    expect(none.code).to.equal('ERR_NO_SERVER');
    expect(none.message).to.contain(String(dead));
  });

  it('the user picks the server with useServer()', async () => {
    const session = await connect({
      servers: [{ port: server.port }, { port: other.port }],
      agency: 'alpha',
      token: 'alpha-secret',
    });
    session.useServer(1);
    const ports: number[] = [];
    session.on('connect', (info) => {
      ports.push(info.server.port);
      void other.inject([frame(7)]);
    });
    for await (const r of session.request({ stream: 'frames', mode: 'realtime' })) {
      expect(r.vcfc).to.equal(7);
      break;
    }
    expect(ports).to.deep.equal([other.port]);
    await session.close();
    expect(() => session.useServer(2))
      .to.throw(SdkError)
      .with.property('code', 'ERR_SDK_CONFIG');
  });

  it('refuses bad options and a second concurrent request', async () => {
    expect(() => new Session({ servers: [], agency: 'alpha' }))
      .to.throw(SdkError)
      .with.property('code', 'ERR_SDK_CONFIG');
    expect(() => new Session({ servers: [{ port: 70_000 }], agency: 'alpha' })).to.throw(/port/);
    const session = new Session({ servers: [{ port: server.port }], agency: 'alpha', token: 'alpha-secret' });
    const it = session.request({ stream: 'events', mode: 'realtime' });
    session.once('connect', () => {
      expect(() => session.request({ stream: 'events', mode: 'realtime' }))
        .to.throw(SdkError)
        .with.property('code', 'ERR_SESSION_BUSY');
      void session.close();
    });
    const r = await it.next();
    expect(r.done).to.equal(true);
  });
});
