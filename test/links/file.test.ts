import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'chai';
import type { PacketIn } from '../../src/acquisition/source.ts';
import { parseCidr } from '../../src/config/cidr.ts';
import { encodePacketRecord } from '../../src/files/packet-file.ts';
import type { FileLinkConfig } from '../../src/links/config.ts';
import { LinkErrorCode } from '../../src/links/errors.ts';
import { FileLink } from '../../src/links/file-link.ts';
import { createLink, linkTransportSchema } from '../../src/links/link.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { concat } from '../ccsds/support.ts';
import { Probe, randomBytes, settle } from './support.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scs-links-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(path: string, over: Partial<FileLinkConfig> = {}): FileLinkConfig {
  return {
    kind: 'file',
    path,
    format: 'frames',
    recordBytes: 1115,
    frameRateHz: 10,
    speed: 'max',
    readBytes: 4096,
    ...over,
  };
}

function packet(ertUs: number, ssc: number): PacketIn {
  return {
    ert: ertUs,
    scet: 0,
    station: 'GS1',
    scid: 42,
    vcid: 1,
    apid: 100,
    ssc,
    quality: 0,
    data: randomBytes(40 + ssc, ssc + 1),
  };
}

describe('links: file replay', () => {
  it('replays a frame file as fast as possible: one block per record, a trailing partial one skipped', async () => {
    const frames = Array.from({ length: 9 }, (_, i) => randomBytes(1115, i + 1));
    const path = join(dir, 'frames.bin');
    await writeFile(path, concat([...frames, randomBytes(100, 99)]));
    const link = new FileLink('f', 'GS1', config(path), new FakeClock());
    expect(link.delivery).to.equal('block');
    const probe = new Probe();
    link.start(probe);
    await link.finished();
    expect(probe.chunks.map((c) => c.bytes)).to.deep.equal(frames);
    expect(probe.states.map((s) => s.up)).to.deep.equal([true, false]);
    expect(probe.states[1]!.reason).to.match(/^end of /);
    expect(link.stats()).to.include({
      bytes: 9 * 1115,
      chunks: 9,
      skippedBytes: 100,
      connects: 1,
      disconnects: 1,
    });
    await link.stop();
  });

  it('replays a CADU file as a byte stream', async () => {
    const stream = randomBytes(1119 * 20, 5);
    const path = join(dir, 'cadus.bin');
    await writeFile(path, stream);
    const link = new FileLink(
      'f',
      'GS1',
      config(path, { format: 'cadu', recordBytes: 1119 }),
      new FakeClock(),
    );
    expect(link.delivery).to.equal('stream');
    const probe = new Probe();
    link.start(probe);
    await link.finished();
    expect(probe.bytes).to.deep.equal(stream);
  });

  it('paces frames at frameRateHz x speed on the clock, delivering the due ones together after a stall', async () => {
    const frames = Array.from({ length: 8 }, (_, i) => randomBytes(1115, i + 1));
    const path = join(dir, 'paced.bin');
    await writeFile(path, concat(frames));
    const clock = new FakeClock();
    // 10 Hz x 2: one frame each 50 ms.
    const link = new FileLink('f', 'GS1', config(path, { speed: 2 }), clock);
    const probe = new Probe();
    link.start(probe);
    await probe.until(() => probe.chunks.length === 1, 'first frame');
    clock.advance(49);
    await settle();
    expect(probe.chunks).to.have.length(1);
    clock.advance(1);
    await probe.until(() => probe.chunks.length === 2, 'second frame at 50 ms');
    clock.stall(200);
    clock.advance(0);
    await probe.until(() => probe.chunks.length === 6, 'four due frames at once');
    expect(probe.chunks.slice(2).every((c) => c.ert === 250_000)).to.equal(true);
    clock.advance(100);
    await link.finished();
    expect(probe.chunks.map((c) => c.bytes)).to.deep.equal(frames);
  });

  it('keeps pace when the frame period is not a whole number of milliseconds', async () => {
    const frames = Array.from({ length: 120 }, (_, i) => randomBytes(64, i + 1));
    const path = join(dir, 'thirds.bin');
    await writeFile(path, concat(frames));
    // 30 Hz x 3 from this start: a period of 11.1... ms, and at some frames' due times the division
    // (now - start) / period rounds just below the frame's index.
    const clock = new FakeClock(1234.5678);
    const link = new FileLink(
      'f',
      'GS1',
      config(path, { recordBytes: 64, frameRateHz: 30, speed: 3 }),
      clock,
    );
    const probe = new Probe();
    link.start(probe);
    await probe.until(() => probe.chunks.length === 1);
    let done = false;
    void link.finished().then(() => {
      done = true;
    });
    // Fake time moves only while the link waits on it (it reads, then sleeps): a read still in
    // flight, late when the thread pool is busy, must not let the clock run past its due time.
    for (let t = 0; t < 100_000 && !done; t++) {
      if (clock.pending() > 0) clock.advance(1);
      await settle(1);
    }
    expect(probe.chunks.map((c) => c.bytes)).to.deep.equal(frames);
    // The last frame is due at 119 periods: 1322.2 ms after the start; a period rounded to whole
    // milliseconds would drift by 120 ms (11 or 12 ms instead of 11.1).
    expect(clock.nowMs() - 1234.5678).to.be.within(1322, 1324);
  });

  it('replays a packet file paced by recorded ert, resyncing over damaged bytes', async () => {
    const t = 1_763_712_000_000_000;
    const packets = [packet(t, 1), packet(t + 1_000_000, 2), packet(t + 3_000_000, 3)];
    const [a, b, c] = packets.map(encodePacketRecord);
    const path = join(dir, 'vc_20251121080000');
    await writeFile(path, concat([a!, randomBytes(33, 4), b!, c!]));
    const clock = new FakeClock();
    const link = createLink('p', 'GS9', config(path, { format: 'packets', speed: 2 }), clock) as FileLink;
    const probe = new Probe();
    link.start(probe);
    await probe.until(() => probe.packets.length === 1, 'first packet');
    clock.advance(499);
    await settle();
    expect(probe.packets).to.have.length(1);
    clock.advance(1);
    await probe.until(() => probe.packets.length === 2, 'second packet at 500 ms');
    clock.advance(1000);
    await link.finished();
    expect(probe.packets).to.deep.equal(packets);
    expect(link.stats()).to.include({
      chunks: 3,
      skippedBytes: 33,
      lastErrorCode: 'ERR_PACKET_FILE_CORRUPT',
    });
  });

  it("replays a packet file at 'max' without the clock", async () => {
    const packets = Array.from({ length: 200 }, (_, i) => packet(1_000_000 * i, i));
    const path = join(dir, 'vc_20251121090000');
    await writeFile(path, concat(packets.map(encodePacketRecord)));
    const link = new FileLink('p', 'GS1', config(path, { format: 'packets', speed: 'max' }), new FakeClock());
    const probe = new Probe();
    link.start(probe);
    await link.finished();
    expect(probe.packets).to.deep.equal(packets);
  });

  it('stop ends a paced replay at once, and nothing is delivered afterwards', async () => {
    const path = join(dir, 'stop.bin');
    await writeFile(path, randomBytes(1115 * 10, 3));
    const clock = new FakeClock();
    const link = new FileLink('f', 'GS1', config(path, { speed: 1 }), clock);
    const probe = new Probe();
    link.start(probe);
    await probe.until(() => probe.chunks.length === 1);
    await link.stop();
    clock.advance(10_000);
    await settle();
    expect(probe.chunks).to.have.length(1);
    expect(probe.states.map((s) => s.reason)).to.deep.equal([`replaying ${path}`, 'link stopped']);
  });

  it('a missing file leaves the link down with the error', async () => {
    const link = new FileLink('f', 'GS1', config(join(dir, 'nope')), new FakeClock());
    const probe = new Probe();
    link.start(probe);
    await link.finished();
    expect(probe.states).to.deep.equal([]);
    expect(link.stats()).to.include({ up: false, lastErrorCode: 'ENOENT' });
  });

  it('rejects a speed out of range and a frame file without recordBytes (ERR_LINK_CONFIG)', () => {
    const clock = new FakeClock();
    expect(() => new FileLink('f', 'S', config('x', { speed: 41 }), clock))
      .to.throw()
      .with.property('code', LinkErrorCode.ERR_LINK_CONFIG);
    expect(() => new FileLink('f', 'S', { ...config('x'), recordBytes: undefined }, clock))
      .to.throw()
      .with.property('code', LinkErrorCode.ERR_LINK_CONFIG);
  });
});

describe('links: transport schema', () => {
  // As the server configuration's validator (src/config/validate.ts) sets it up.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
  ajv.addKeyword({
    keyword: 'cidr',
    type: 'string',
    schemaType: 'boolean',
    errors: false,
    validate: (on: boolean, text: string) => !on || parseCidr(text) !== null,
  });
  const validate = ajv.compile(linkTransportSchema);

  it('fills the defaults of each kind', () => {
    const udp = { kind: 'udp', port: 5000 };
    expect(validate(udp)).to.equal(true);
    expect(udp).to.deep.equal({
      kind: 'udp',
      port: 5000,
      host: '0.0.0.0',
      content: 'frame',
      silenceMs: 5000,
      receiveBufferBytes: 0,
      allowFrom: ['0.0.0.0/0', '::/0'],
    });
    const client = { kind: 'tcp-client', port: 1 };
    expect(validate(client)).to.equal(true);
    expect(client).to.deep.include({ reconnect: { initialDelayMs: 500, maxDelayMs: 30_000 } });
    const file = { kind: 'file', path: 'p', format: 'packets' };
    expect(validate(file)).to.equal(true);
    expect(file).to.deep.include({ speed: 1, frameRateHz: 10 });
  });

  it('rejects unknown fields, unknown kinds, speeds out of range and frame files without recordBytes', () => {
    for (const bad of [
      { kind: 'udp', port: 1, typo: 1 },
      { kind: 'serial' },
      { kind: 'file', path: 'p', format: 'packets', speed: 0.5 },
      { kind: 'file', path: 'p', format: 'packets', speed: 'fast' },
      { kind: 'file', path: 'p', format: 'cadu' },
      { kind: 'tcp-client' },
      { kind: 'tcp-server', port: 1, allowFrom: ['not-an-address'] },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).to.equal(false);
    }
    expect(validate({ kind: 'file', path: 'p', format: 'cadu', recordBytes: 1119, speed: 'max' })).to.equal(
      true,
    );
  });
});
