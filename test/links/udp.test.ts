import { createSocket, type Socket } from 'node:dgram';
import { expect } from 'chai';
import type { UdpLinkConfig } from '../../src/links/config.ts';
import { UdpLink } from '../../src/links/udp.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { eventually, Probe, randomBytes, settle } from './support.ts';

function config(over: Partial<UdpLinkConfig> = {}): UdpLinkConfig {
  return {
    kind: 'udp',
    host: '127.0.0.1',
    port: 0,
    content: 'frame',
    silenceMs: 1000,
    receiveBufferBytes: 0,
    allowFrom: ['127.0.0.1'],
    ...over,
  };
}

describe('links: udp', () => {
  let link: UdpLink | undefined;
  let sender: Socket | undefined;
  afterEach(async () => {
    await link?.stop();
    link = undefined;
    sender?.close();
    sender = undefined;
  });

  function send(port: number, bytes: Uint8Array): Promise<void> {
    sender ??= createSocket('udp4');
    return new Promise((resolve, reject) =>
      sender!.send(bytes, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  }

  it('delivers one block per datagram, up on the first, down after the silence (fake clock)', async () => {
    const clock = new FakeClock(1_000);
    link = new UdpLink('u', 'GS3', config(), clock);
    expect(link.delivery).to.equal('block');
    const probe = new Probe();
    link.start(probe);
    const port = await link.listening();
    const frames = [randomBytes(1115, 1), randomBytes(1115, 2), randomBytes(7, 3)];
    for (const f of frames) await send(port, f);
    await probe.until(() => probe.chunks.length === 3, 'three datagrams');
    expect(probe.chunks.map((c) => c.bytes)).to.deep.equal(frames);
    expect(probe.states).to.have.length(1);
    expect(probe.states[0]!.up).to.equal(true);
    clock.advance(600);
    await send(port, frames[0]!);
    await probe.until(() => probe.chunks.length === 4);
    // The silence counts from the last datagram (t = 1600), not the first.
    clock.advance(999);
    expect(probe.up).to.equal(true);
    clock.advance(1);
    expect(probe.states.map((s) => s.up)).to.deep.equal([true, false]);
    expect(probe.states[1]!.reason).to.match(/no datagram for 1000 ms/);
    await send(port, frames[1]!);
    await probe.until(() => probe.chunks.length === 5, 'up again');
    // The link is up before the datagram that brings it is delivered, both times.
    expect(probe.calls).to.deep.equal(['up', 'data', 'data', 'data', 'data', 'down', 'up', 'data']);
    expect(link.stats()).to.include({
      connects: 2,
      disconnects: 1,
      chunks: 5,
      bytes: 1115 * 3 + 7 + 1115,
      port,
    });
    expect(link.stats().peer).to.match(/^127\.0\.0\.1:\d+$/);
  });

  it("is a stream link for content 'cadu'", () => {
    expect(new UdpLink('u', 'S', config({ content: 'cadu' }), new FakeClock()).delivery).to.equal('stream');
  });

  it('drops and counts datagrams from senders outside allowFrom', async () => {
    link = new UdpLink('u', 'GS3', config({ allowFrom: ['192.0.2.0/24'] }), new FakeClock());
    const probe = new Probe();
    link.start(probe);
    const port = await link.listening();
    await send(port, Uint8Array.of(1));
    await eventually(() => link!.stats().rejected === 1, 'a rejected datagram');
    expect(probe.chunks).to.deep.equal([]);
    expect(link.stats()).to.include({ up: false, bytes: 0 });
  });

  it('delivers nothing after stop', async () => {
    link = new UdpLink('u', 'GS3', config(), new FakeClock());
    const probe = new Probe();
    link.start(probe);
    const port = await link.listening();
    await send(port, Uint8Array.of(1));
    await probe.until(() => probe.chunks.length === 1);
    await link.stop();
    await link.stop();
    await send(port, Uint8Array.of(2)).catch(() => {});
    await settle();
    expect(probe.chunks).to.have.length(1);
    expect(probe.states.map((s) => s.up)).to.deep.equal([true, false]);
  });

  it('retries a bind that failed (port in use)', async () => {
    const holder = createSocket('udp4');
    const port = await new Promise<number>((resolve) =>
      holder.bind(0, '127.0.0.1', () => resolve(holder.address().port)),
    );
    const clock = new FakeClock();
    link = new UdpLink('u', 'GS3', config({ port }), clock);
    link.start(new Probe());
    await eventually(() => link!.stats().connectFailures === 1, 'a failed bind');
    expect(link.stats().lastErrorCode).to.equal('EADDRINUSE');
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    clock.advance(1000);
    expect(await link.listening()).to.equal(port);
  });
});
