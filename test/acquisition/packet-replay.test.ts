// Issue 11 items 3 and 4: a packet-file replay through a file link into a real server. Its link
// counters (bytes, packets) reach /metrics like any link's; replayed at `speed: max` into small
// rings, it is paced by the archive recorder, so every packet is archived and none lost.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ArchiveReader } from '../../src/archive/query.ts';
import { encodePacketRecord, type PacketFileRecord } from '../../src/files/packet-file.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { makePacket } from '../ccsds/support.ts';
import { metric, scrape, startWith } from './support-server.ts';

const T0 = Date.UTC(2025, 5, 1) * 1000;

function packetFile(path: string, count: number, size: (i: number) => number): number {
  let bytes = 0;
  const records: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const data = makePacket(200 + (i % 3), i & 0x3fff, size(i));
    bytes += data.length;
    const r: PacketFileRecord = {
      ert: T0 + i * 1000,
      scet: 0,
      station: 'REC',
      scid: 42,
      vcid: 1,
      apid: 200 + (i % 3),
      ssc: i & 0x3fff,
      quality: 0,
      data,
    };
    records.push(encodePacketRecord(r));
  }
  writeFileSync(path, Buffer.concat(records));
  return bytes;
}

async function until<T>(
  what: string,
  get: () => Promise<T>,
  done: (v: T) => boolean,
  ms = 60_000,
): Promise<T> {
  let v = await get();
  for (const deadline = Date.now() + ms; !done(v); v = await get()) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return v;
}

const link = (path: string) => ({
  id: 'rec',
  station: 'REC',
  transport: { kind: 'file', path, format: 'packets', speed: 'max' },
  frame: { type: 'tm', length: 1115 },
  badFrameFile: { enabled: false },
});

describe('packet-file replay through a file link (issue 11 items 3, 4)', function () {
  this.timeout(120_000);
  let server: ScsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('counts the replay’s bytes and packets in /metrics (item 4)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scs-replay-'));
    const file = join(dir, 'pass.packets');
    const bytes = packetFile(file, 50, (i) => 20 + i);
    server = await startWith({ simulator: { enabled: false }, links: [link(file)] });
    const text = await until(
      'link packets',
      () => scrape(server!),
      (t) => metric(t, 'scs_link_packets_total', 'link="rec"') === 50,
      10_000,
    );
    expect(metric(text, 'scs_link_bytes_total', 'link="rec"')).to.equal(bytes);
  });

  it('archives every packet of a replay at max speed into small rings, losing none (item 3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scs-replay-'));
    const file = join(dir, 'pass.packets');
    const N = 20_000;
    packetFile(file, N, (i) => 20 + (i % 40));
    server = await startWith(
      {
        simulator: { enabled: false },
        links: [link(file)],
        archive: { enabled: true },
        // Rings far smaller than the file: without pacing the recorder is overrun at once.
        ring: { packets: { slots: 256, slotBytes: 2048 }, parameters: { slots: 256, slotBytes: 256 } },
      },
      dir,
    );
    const archived = () => metric(text, 'scs_archive_records_total', 'stream="packets"');
    const lost = () => metric(text, 'scs_archive_records_lost_total', 'stream="packets"');
    let text = '';
    for (const deadline = Date.now() + 60_000; !(archived() + lost() >= N) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      text = await scrape(server);
    }
    expect({ archived: archived(), lost: lost() }).to.deep.equal({ archived: N, lost: 0 });
    await server.close();
    server = undefined;
    const reader = new ArchiveReader(join(dir, 'archive.sqlite'));
    try {
      const page = reader.page({ stream: 'packets' }, null, N + 10);
      expect(page.rows.length).to.equal(N);
      expect(page.rows.map((r) => r.seq)).to.deep.equal(page.rows.map((_, i) => page.rows[0]!.seq + i));
    } finally {
      reader.close();
    }
  });
});
