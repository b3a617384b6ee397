import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { EventIn } from '../../src/acquisition/source.ts';
import { ContactRecorder, type ContactRecorderConfig } from '../../src/files/contact-recorder.ts';
import { decodePacketFile, encodePacketRecord, type PacketFileRecord } from '../../src/files/packet-file.ts';
import { FileLink } from '../../src/links/file-link.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { Probe } from '../links/support.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scs-contacts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 2026-11-21T08:00:00Z */
const T0_MS = Date.UTC(2026, 10, 21, 8, 0, 0);

function packet(vcid: number, ssc: number, ertUs = T0_MS * 1000 + ssc): PacketFileRecord {
  const data = new Uint8Array(20 + (ssc % 7));
  data.fill(ssc & 0xff);
  return {
    ert: ertUs,
    scet: 0,
    station: 'GS1',
    scid: 42,
    vcid,
    apid: 100 + vcid,
    ssc,
    quality: 0,
    data,
    vcfc: ssc * 2,
  };
}

function config(over: Partial<ContactRecorderConfig> = {}): ContactRecorderConfig {
  return { dir: join(dir, 'contacts'), maxQueueBytes: 1 << 20, ...over };
}

describe('files: contact recorder', () => {
  it('writes the selected VCs of a contact to vc<sel>_yyyymmddhhmmss, in packet-file format', async () => {
    const clock = new FakeClock(T0_MS + 750);
    const rec = new ContactRecorder(config({ vcids: [3, 1] }), clock, () => {});
    rec.startContact();
    const all = [packet(1, 1), packet(2, 2), packet(3, 3), packet(1, 4), packet(5, 5)];
    for (const p of all) rec.packet(p);
    expect(rec.stats().current).to.equal(join(dir, 'contacts', 'vc1-3_20261121080000'));
    await rec.close();
    expect(await readdir(join(dir, 'contacts'))).to.deep.equal(['vc1-3_20261121080000']);
    const back = decodePacketFile(await readFile(join(dir, 'contacts', 'vc1-3_20261121080000')));
    expect(back).to.deep.equal([all[0], all[2], all[3]]);
    expect(rec.stats()).to.include({ packets: 3, files: 1, dropped: 0, writeErrors: 0, queuedBytes: 0 });
  });

  it('opens a new file at each contact start, named by its UTC start, and counts packets between contacts', async () => {
    const clock = new FakeClock(T0_MS);
    const rec = new ContactRecorder(config(), clock, () => {});
    rec.packet(packet(0, 0));
    rec.startContact();
    rec.packet(packet(0, 1));
    rec.packet(packet(4, 2));
    rec.endContact();
    rec.packet(packet(0, 3));
    clock.advance(95_500);
    rec.startContact();
    rec.packet(packet(0, 4));
    // A link-up without a link-down in between also starts a new contact.
    clock.advance(3_600_000);
    rec.startContact();
    rec.packet(packet(0, 5));
    await rec.close();
    const names = (await readdir(join(dir, 'contacts'))).sort();
    expect(names).to.deep.equal(['vc_20261121080000', 'vc_20261121080135', 'vc_20261121090135']);
    const ssc = async (name: string) =>
      decodePacketFile(await readFile(join(dir, 'contacts', name))).map((p) => p.ssc);
    expect(await ssc(names[0]!)).to.deep.equal([1, 2]);
    expect(await ssc(names[1]!)).to.deep.equal([4]);
    expect(await ssc(names[2]!)).to.deep.equal([5]);
    expect(rec.stats()).to.include({ files: 3, packets: 4, outsideContact: 2 });
  });

  it('does not create a file for a contact without selected packets', async () => {
    const rec = new ContactRecorder(config({ vcids: [7] }), new FakeClock(T0_MS), () => {});
    rec.startContact();
    rec.packet(packet(1, 1));
    await rec.close();
    expect(rec.stats().files).to.equal(0);
  });

  it('drops and counts when the disk does not keep up, with one event per burst, never blocking', async () => {
    const events: EventIn[] = [];
    const size = encodePacketRecord(packet(0, 0)).length;
    const rec = new ContactRecorder(config({ maxQueueBytes: size * 4 }), new FakeClock(T0_MS), (e) =>
      events.push(e),
    );
    rec.startContact();
    for (let i = 0; i < 10; i++) rec.packet(packet(0, 7 * i));
    expect(rec.stats()).to.include({ packets: 4, dropped: 6 });
    await rec.close();
    expect(events.map((e) => [e.type, e.source])).to.deep.equal([
      ['FILE_QUEUE_FULL', 'contact-recorder'],
      ['FILE_QUEUE_RESUMED', 'contact-recorder'],
    ]);
    const back = decodePacketFile(await readFile(join(dir, 'contacts', 'vc_20261121080000')));
    expect(back.map((p) => p.ssc)).to.deep.equal([0, 7, 14, 21]);
  });

  it('releases the file of a contact that ended in a failed write (a full disk)', async () => {
    // The contact's file is /dev/full: it opens, and every write fails with ENOSPC.
    await mkdir(join(dir, 'contacts'));
    await symlink('/dev/full', join(dir, 'contacts', 'vc_20261121080000'));
    const openOnDevFull = async () => {
      const fds = await readdir('/proc/self/fd');
      const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
      return targets.filter((t) => t === '/dev/full').length;
    };
    const events: EventIn[] = [];
    const rec = new ContactRecorder(config(), new FakeClock(T0_MS), (e) => events.push(e));
    rec.startContact();
    rec.packet(packet(1, 1));
    rec.endContact();
    await rec.close();
    expect(rec.stats().writeErrors).to.equal(1);
    expect(events.map((e) => e.type)).to.include('FILE_WRITE_ERROR');
    expect(await openOnDevFull()).to.equal(0);
  });

  it('counts a packet the file format cannot hold instead of failing', async () => {
    const rec = new ContactRecorder(config(), new FakeClock(T0_MS), () => {});
    rec.startContact();
    rec.packet({ ...packet(0, 1), station: 'A-STATION-NAME-LONGER-THAN-16' });
    await rec.close();
    expect(rec.stats()).to.include({ unencodable: 1, packets: 0 });
  });

  it('a recorded contact replays through the file link unchanged', async () => {
    const clock = new FakeClock(T0_MS);
    const rec = new ContactRecorder(config(), clock, () => {});
    rec.startContact();
    const sent = Array.from({ length: 50 }, (_, i) => packet(i % 3, i));
    for (const p of sent) rec.packet(p);
    await rec.close();
    const link = new FileLink(
      'replay',
      'GS1',
      {
        kind: 'file',
        path: join(dir, 'contacts', 'vc_20261121080000'),
        format: 'packets',
        frameRateHz: 10,
        speed: 'max',
        readBytes: 4096,
      },
      clock,
    );
    const probe = new Probe();
    link.start(probe);
    await link.finished();
    expect(probe.packets).to.deep.equal(sent);
  });
});
