// Issue 11, proof: a recording with a mix of 60-byte and 10-KB packets (and three of the largest
// CCSDS packet, 65,542 bytes) in frames (made with the project's own PacketFramer, a file of
// 2048-byte TM frames), replayed at max speed through a `file` link into a server with the default configuration (rings, archive, session): every
// packet reaches a `complete` client and the archive, counted exactly, byte for byte.
//
// The replay starts with the server, before any client can connect, so the client asks for
// `since: 0`: everything from the first record, then live (ICD §4). The recording (~1,600
// frames, ~3.3 MB) is smaller than the default rings, so the recorder is never overrun whatever
// its pace: recorder pacing of replays larger than the rings is issue 11 item 3.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MessageType } from '../../protocol/constants.ts';
import { FrameType } from '../../src/ccsds/frame.ts';
import { PacketFramer } from '../../src/ccsds/framer.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { collectRecords, connect, nextOfType, request, startConfiguredServer } from '../support/server.ts';

const FRAME = { type: FrameType.TM, frameLength: 2048, scid: 42, fecf: true } as const;
const VCID = 1;
// APIDs the demo mission database has no container for: no length check, no decommutation.
const SMALL_APID = 300;
const LARGE_APID = 301;
const PACKETS = 3000;

/** The largest CCSDS space packet: a 6-byte header and 65,536 bytes of data. */
const MAX_PACKET = 65_542;

/**
 * Packet i: every 10th is 10,000 bytes on LARGE_APID, every 1000th (from the 500th) the largest
 * CCSDS packet on LARGE_APID too, the others 60 bytes on SMALL_APID.
 */
function sizeOf(i: number): number {
  if (i % 1000 === 500) return MAX_PACKET;
  return i % 10 === 3 ? 10_000 : 60;
}

function recording(): Uint8Array[] {
  const ssc = new Map<number, number>();
  return Array.from({ length: PACKETS }, (_, i) => {
    const size = sizeOf(i);
    const apid = size > 60 ? LARGE_APID : SMALL_APID;
    const n = ssc.get(apid) ?? 0;
    ssc.set(apid, n + 1);
    const p = new Uint8Array(size);
    const v = new DataView(p.buffer);
    v.setUint16(0, apid); // version 0, telemetry, no secondary header
    v.setUint16(2, (0b11 << 14) | (n & 0x3fff)); // unsegmented
    v.setUint16(4, p.length - 7);
    for (let k = 6; k < p.length; k++) p[k] = (i * 31 + k) & 0xff;
    return p;
  });
}

function frameFile(packets: Uint8Array[]): Uint8Array {
  const framer = new PacketFramer(FRAME);
  const frames: Uint8Array[] = [];
  for (const p of packets) for (const out of framer.packet(VCID, p)) frames.push(out.frame);
  for (const out of framer.flush(VCID)) frames.push(out.frame);
  return Buffer.concat(frames);
}

function expectExact(got: Record<string, unknown>[], sent: Uint8Array[], what: string): void {
  expect(got.length, `${what}: count`).to.equal(sent.length);
  expect(
    got.map((r) => r.seq),
    `${what}: seq`,
  ).to.deep.equal(sent.map((_, i) => i + 1));
  for (const [i, r] of got.entries()) {
    const data = r.data as Uint8Array;
    if (!Buffer.from(data).equals(sent[i]!)) {
      expect.fail(
        `${what}: packet ${i} (${sent[i]!.length} bytes) arrived as ${data.length} different bytes`,
      );
    }
    expect(r.quality, `${what}: packet ${i} quality`).to.equal(0);
  }
}

async function metric(server: ScsServer, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('replay of a recording of 60-byte and 10-KB packets at max speed (issue 11)', function () {
  this.timeout(120_000);

  it('every packet reaches a complete client and the archive, counted exactly, with default rings and archive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scs-replay-mixed-'));
    const packets = recording();
    const file = join(dir, 'pass.frames');
    const bytes = frameFile(packets);
    writeFileSync(file, bytes);
    const frames = bytes.length / FRAME.frameLength;

    // Defaults for everything but the link, the archive switched on (the test helper's default
    // is off) and one actor; no `ring` or `session` section.
    const server = await startConfiguredServer({
      simulator: { enabled: false },
      archive: { enabled: true },
      links: [
        {
          id: 'replay',
          station: 'GS-REPLAY',
          transport: {
            kind: 'file',
            path: file,
            format: 'frames',
            recordBytes: FRAME.frameLength,
            speed: 'max',
          },
          frame: { type: 'tm', length: FRAME.frameLength, scid: FRAME.scid },
          badFrameFile: { enabled: false },
        },
      ],
    });
    try {
      const live = await connect(server);
      await live.request(
        request({ stream: 'packets', delivery: 'complete', since: 0, filter: { vcids: [VCID] } }),
      );
      const got = await collectRecords(live, PACKETS, 30_000);
      expectExact(got, packets, 'complete client');
      expect(got.every((r) => r.station === 'GS-REPLAY' && r.vcid === VCID)).to.equal(true);
      await live.close();

      expect(await metric(server, 'scs_link_frames_total'), 'frames acquired').to.equal(frames);
      expect(await metric(server, 'scs_link_packets_total'), 'packets acquired').to.equal(PACKETS);
      expect(await metric(server, 'scs_records_dropped_total'), 'records dropped').to.equal(0);

      // The archive: every packet, by ERT, from the recorder (default commitMs 200).
      await new Promise((r) => setTimeout(r, 1000));
      const past = await connect(server);
      const from = got[0]!.ert as number;
      const to = (got[got.length - 1]!.ert as number) + 1;
      await past.request(request({ stream: 'packets', mode: 'archive', from, to }));
      const archived = await collectRecords(past, PACKETS, 30_000);
      expectExact(archived, packets, 'archive');
      expect((await nextOfType(past, MessageType.END)).body).to.deep.include({ records: PACKETS });
      await past.close();
    } finally {
      await server.close();
    }
  });
});
