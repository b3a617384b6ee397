import { connect, createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import type { TcpClientLinkConfig, TcpServerLinkConfig } from '../../src/links/config.ts';
import { LinkErrorCode } from '../../src/links/errors.ts';
import { createLink } from '../../src/links/link.ts';
import { TcpClientLink } from '../../src/links/tcp-client.ts';
import { TcpServerLink } from '../../src/links/tcp-server.ts';
import { FakeClock } from '../../src/util/clock.ts';
import {
  eventually,
  Probe,
  randomBytes,
  seeded,
  settle,
  splitRandom,
  stalledListener,
  withTimeout,
} from './support.ts';

function serverConfig(over: Partial<TcpServerLinkConfig> = {}): TcpServerLinkConfig {
  return {
    kind: 'tcp-server',
    host: '127.0.0.1',
    port: 0,
    secondConnection: 'replace',
    keepAliveMs: 10_000,
    allowFrom: ['127.0.0.0/8', '::1'],
    retry: { initialDelayMs: 100, maxDelayMs: 400 },
    ...over,
  };
}

function clientConfig(port: number): TcpClientLinkConfig {
  return {
    kind: 'tcp-client',
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 5000,
    keepAliveMs: 0,
    reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
  };
}

function frontEnd(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

function closed(s: Socket): Promise<void> {
  return withTimeout(new Promise((resolve) => s.once('close', () => resolve())), 'socket close');
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('links: tcp-server', () => {
  let link: TcpServerLink | undefined;
  afterEach(async () => {
    await link?.stop();
    link = undefined;
  });

  it('delivers a front end byte stream written in random pieces, with up/down and counters', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    link = new TcpServerLink('gs1', 'GS1', serverConfig(), clock);
    expect(link.delivery).to.equal('stream');
    const probe = new Probe();
    link.start(probe);
    const port = await link.listening();
    expect(link.stats().port).to.equal(port);
    const stream = randomBytes(50_000, 7);
    const fe = await frontEnd(port);
    await probe.until(() => probe.up, 'link up');
    expect(probe.states[0]!.reason).to.match(/connected/);
    for (const piece of splitRandom(stream, 3000, seeded(3))) fe.write(piece);
    await probe.until(() => probe.bytes.length === stream.length, 'all bytes');
    expect(probe.bytes).to.deep.equal(stream);
    expect(probe.chunks.every((c) => c.ert === 1_700_000_000_000_000)).to.equal(true);
    fe.end();
    await probe.until(() => !probe.up, 'link down');
    expect(probe.states.map((s) => s.up)).to.deep.equal([true, false]);
    const st = link.stats();
    expect(st).to.include({ up: false, bytes: stream.length, connects: 1, disconnects: 1 });
    expect(st.chunks).to.equal(probe.chunks.length);
  });

  it("refuses a second front end with secondConnection 'refuse' and keeps the first", async () => {
    link = new TcpServerLink('gs1', 'GS1', serverConfig({ secondConnection: 'refuse' }), new FakeClock());
    const probe = new Probe();
    link.start(probe);
    const port = await link.listening();
    const first = await frontEnd(port);
    await probe.until(() => probe.up);
    const second = await frontEnd(port);
    await closed(second);
    first.write(Uint8Array.of(1, 2, 3));
    await probe.until(() => probe.bytes.length === 3);
    expect(link.stats()).to.include({ refused: 1, replaced: 0, connects: 1, disconnects: 0, up: true });
    first.destroy();
  });

  it("replaces the first front end with secondConnection 'replace', going down and up between them", async () => {
    link = new TcpServerLink('gs1', 'GS1', serverConfig(), new FakeClock());
    const probe = new Probe();
    link.start(probe);
    const port = await link.listening();
    const first = await frontEnd(port);
    await probe.until(() => probe.up);
    first.write(Uint8Array.of(1));
    await probe.until(() => probe.bytes.length === 1);
    const second = await frontEnd(port);
    await closed(first);
    await probe.until(() => probe.states.length === 3, 'down and up');
    expect(probe.states.map((s) => s.up)).to.deep.equal([true, false, true]);
    expect(probe.states[1]!.reason).to.match(/replaced/);
    second.write(Uint8Array.of(2));
    await probe.until(() => probe.bytes.length === 2);
    expect([...probe.bytes]).to.deep.equal([1, 2]);
    expect(link.stats()).to.include({ replaced: 1, connects: 2, disconnects: 1 });
    second.destroy();
  });

  it('closes and counts a front end outside allowFrom, staying down', async () => {
    link = new TcpServerLink('gs1', 'GS1', serverConfig({ allowFrom: ['10.0.0.0/8'] }), new FakeClock());
    const probe = new Probe();
    link.start(probe);
    const fe = await frontEnd(await link.listening());
    fe.write(Uint8Array.of(1, 2, 3));
    await closed(fe);
    expect(link.stats()).to.include({ rejected: 1, connects: 0, bytes: 0 });
    expect(probe.states).to.deep.equal([]);
  });

  it('rejects an allowFrom entry that is not an address block (ERR_LINK_CONFIG)', () => {
    expect(
      () => new TcpServerLink('gs1', 'GS1', serverConfig({ allowFrom: ['10.0.0.0/33'] }), new FakeClock()),
    )
      .to.throw()
      .with.property('code', LinkErrorCode.ERR_LINK_CONFIG);
  });

  it('retries a listen that failed (port in use) with backoff, on the clock', async () => {
    const holder = createServer();
    const port = await listen(holder);
    const clock = new FakeClock();
    link = new TcpServerLink('gs1', 'GS1', serverConfig({ port }), clock);
    link.start(new Probe());
    await eventually(() => link!.stats().connectFailures === 1, 'a failed listen');
    expect(link.stats().lastErrorCode).to.equal('EADDRINUSE');
    await new Promise((resolve) => holder.close(resolve));
    clock.advance(100);
    expect(await withTimeout(link.listening(), 'listening')).to.equal(port);
  });

  it('stop is idempotent, closes the front end, and a stopped link cannot start again', async () => {
    link = new TcpServerLink('gs1', 'GS1', serverConfig(), new FakeClock());
    const probe = new Probe();
    link.start(probe);
    const fe = await frontEnd(await link.listening());
    await probe.until(() => probe.up);
    await Promise.all([link.stop(), link.stop()]);
    await closed(fe);
    expect(probe.states.map((s) => s.up)).to.deep.equal([true, false]);
    expect(probe.states[1]!.reason).to.equal('link stopped');
    expect(() => link!.start(probe))
      .to.throw()
      .with.property('code', LinkErrorCode.ERR_LINK_STATE);
  });
});

describe('links: tcp-client', () => {
  let link: TcpClientLink | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    await link?.stop();
    link = undefined;
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (server?.listening) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  function frontEndServer(onSocket: (s: Socket) => void): Server {
    server = createServer((s) => {
      sockets.add(s);
      onSocket(s);
    });
    return server;
  }

  it('connects, receives the stream, and reconnects after the front end drops it', async () => {
    const stream = randomBytes(20_000, 9);
    let n = 0;
    const fe = frontEndServer((s) => {
      n++;
      if (n === 1) s.end(stream.subarray(0, 10_000));
      else s.write(stream.subarray(10_000));
    });
    const port = await listen(fe);
    const clock = new FakeClock();
    link = new TcpClientLink('fe', 'GS2', clientConfig(port), clock, () => 0);
    const probe = new Probe();
    link.start(probe);
    await probe.until(() => probe.states.length === 2, 'up then down');
    expect(probe.states.map((s) => s.up)).to.deep.equal([true, false]);
    expect(probe.bytes.length).to.equal(10_000);
    // The dropped connection carried data: the retry starts again at round 1 (100 ms x 0.5).
    clock.advance(49);
    await settle();
    expect(n).to.equal(1);
    clock.advance(1);
    await probe.until(() => probe.bytes.length === stream.length, 'the rest of the stream');
    expect(probe.bytes).to.deep.equal(stream);
    expect(link.stats()).to.include({ up: true, connects: 2, disconnects: 1, connectFailures: 0, port });
  });

  it('counts refused connects and backs off (doubling, capped) until the front end is there', async () => {
    const port = await freePort();
    const clock = new FakeClock();
    link = new TcpClientLink('fe', 'GS2', clientConfig(port), clock, () => 0);
    const probe = new Probe();
    link.start(probe);
    await eventually(() => link!.stats().connectFailures === 1, 'first failure');
    expect(link.stats().lastErrorCode).to.equal('ECONNREFUSED');
    // Delays with jitter 0: 50, 100, 200, 200 (base 100, doubling, capped at 400, halved).
    for (const [delay, failures] of [
      [50, 2],
      [100, 3],
      [200, 4],
      [200, 5],
    ] as const) {
      clock.advance(delay - 1);
      await settle();
      expect(link.stats().connectFailures).to.equal(failures - 1);
      clock.advance(1);
      await eventually(() => link!.stats().connectFailures === failures, `failure ${failures}`);
    }
    expect(probe.states).to.deep.equal([]);
    await listen(
      frontEndServer((s) => s.write('x')),
      port,
    );
    clock.advance(200);
    await probe.until(() => probe.bytes.length === 1, 'data after the front end came up');
    expect(link.stats()).to.include({ up: true, connects: 1 });
  });

  it('gives up a connect attempt after connectTimeoutMs and retries', async () => {
    const stalled = await stalledListener();
    try {
      const clock = new FakeClock();
      link = new TcpClientLink('fe', 'GS2', clientConfig(stalled.port), clock, () => 0);
      link.start(new Probe());
      await settle();
      clock.advance(4999);
      await settle();
      expect(link.stats().connectFailures).to.equal(0);
      clock.advance(1);
      await eventually(() => link!.stats().connectFailures === 1, 'timed-out connect');
      expect(link.stats()).to.include({ lastErrorCode: LinkErrorCode.ERR_LINK_IO, up: false });
      expect(link.stats().lastError).to.match(/timed out/);
      clock.advance(50 + 5000);
      await eventually(() => link!.stats().connectFailures === 2, 'second timed-out connect');
    } finally {
      await stalled.release();
    }
  });

  it('createLink builds each kind', () => {
    const clock = new FakeClock();
    const c = createLink('a', 'S', clientConfig(1), clock);
    expect(c).to.be.instanceOf(TcpClientLink);
    expect(c.station).to.equal('S');
    expect(createLink('b', 'S', serverConfig(), clock)).to.be.instanceOf(TcpServerLink);
  });
});
