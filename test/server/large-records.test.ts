// Issue 11 item 1: records larger than the old fixed 2048-byte ring slot (10 KB imager packets,
// a 65,542-byte CCSDS space packet) reach clients and the archive under the default ring
// configuration; a record too large for a (deliberately small) ring is counted per stream,
// raised as an ALARM event once per burst and shown by `scs status`.
import { expect } from 'chai';
import { MessageType } from '../../protocol/constants.ts';
import { run, type ServerStatus } from '../../src/cli/status.ts';
import { capture, lines } from '../cli-tail/capture.ts';
import { collectRecords, connect, nextOfType, request, startTestServer } from '../support/server.ts';

let nextErt = Date.now() * 1000 - 60_000_000;

/** A packets record for inject() of `length` data bytes, all (n & 0xff). */
function packetOf(n: number, length: number) {
  nextErt += 1000;
  return {
    stream: 'packets' as const,
    rec: {
      ert: nextErt,
      scet: nextErt - 500_000,
      station: 'TEST',
      scid: 42,
      vcid: 1,
      apid: 100 + (length % 7),
      ssc: n & 0x3fff,
      quality: 0,
      data: new Uint8Array(length).fill(n & 0xff),
    },
  };
}

async function droppedMetric(httpPort: number, stream: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`scs_records_dropped_total{stream="${stream}",reason="too_large"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

function checkPayloads(records: Record<string, unknown>[], sizes: number[]): void {
  expect(records.map((r) => (r.data as Uint8Array).length)).to.deep.equal(sizes);
  for (const [i, r] of records.entries()) {
    const data = r.data as Uint8Array;
    expect(
      data.every((b) => b === (r.ssc as number) % 256),
      `record ${i}: bytes intact`,
    ).to.equal(true);
  }
}

describe('records larger than 2048 bytes (issue 11, item 1)', function () {
  this.timeout(60_000);

  it('default rings: 60-byte, 3-, 10- and 65.5-KB packets reach a complete client and the archive, none dropped', async () => {
    // No `ring` section: the configuration's defaults (packets 16384 × 2048).
    const server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
    try {
      const live = await connect(server);
      await live.request(request({ stream: 'packets', delivery: 'complete' }));
      const sizes = [60, 3000, 60, 10_000, 65_542, 60, 10_000, 60, 2049, 65_542];
      const packets = sizes.map((length, n) => packetOf(n + 1, length));
      await server.inject(packets);
      const got = await collectRecords(live, sizes.length);
      expect(got.map((r) => r.seq)).to.deep.equal(sizes.map((_, i) => i + 1));
      checkPayloads(got, sizes);
      await live.close();

      await new Promise((r) => setTimeout(r, 300)); // the recorder commits every 20 ms
      const past = await connect(server);
      const from = packets[0]!.rec.ert;
      await past.request(request({ stream: 'packets', mode: 'archive', from, to: nextErt + 1 }));
      const archived = await collectRecords(past, sizes.length);
      expect(archived.map((r) => r.seq)).to.deep.equal(sizes.map((_, i) => i + 1));
      checkPayloads(archived, sizes);
      expect((await nextOfType(past, MessageType.END)).body).to.deep.include({ records: sizes.length });
      await past.close();
      expect(await droppedMetric(server.httpPort, 'packets')).to.equal(0);
    } finally {
      await server.close();
    }
  });

  it('a ring too small for a record: counted per stream, one ALARM event per burst, shown by scs status', async () => {
    // 16 slots × 64 bytes: records of up to 256 bytes.
    const server = await startTestServer({ ring: { packets: { slots: 16, slotBytes: 64 } } });
    try {
      const packets = await connect(server);
      await packets.request(request({ stream: 'packets', delivery: 'complete' }));
      const events = await connect(server);
      await events.request(request({ stream: 'events', delivery: 'complete' }));
      await server.inject([
        packetOf(1, 60),
        packetOf(2, 10_000),
        packetOf(3, 60),
        packetOf(4, 3000),
        packetOf(5, 60),
      ]);
      const got = await collectRecords(packets, 3);
      expect(got.map((r) => (r.data as Uint8Array).length)).to.deep.equal([60, 60, 60]);
      expect(
        got.map((r) => r.seq),
        'seq stays gapless: dropped records never got one',
      ).to.deep.equal([1, 2, 3]);
      const [alarm] = await collectRecords(events, 1);
      expect(alarm).to.include({ severity: 'ALARM', type: 'RECORD_DROPPED' });
      expect(alarm!.message).to.match(
        /^packets record of \d+ bytes is larger than the 256 bytes the packets ring carries/,
      );
      expect(await droppedMetric(server.httpPort, 'packets')).to.equal(2);
      expect(await droppedMetric(server.httpPort, 'frames')).to.equal(0);

      const json = capture();
      await run(['--port', String(server.httpPort), '--json'], json.io);
      const status = JSON.parse(json.out.join('')) as ServerStatus;
      expect(status.streams.packets).to.include({ dropped: 2 });
      expect(status.streams.frames).to.include({ dropped: 0 });
      const text = capture();
      await run(['--port', String(server.httpPort)], text.io);
      expect(lines(text.out).some((l) => /^packets\s+3\s+0\s+DROPPED 2$/.test(l))).to.equal(true);
      await Promise.all([packets.close(), events.close()]);
    } finally {
      await server.close();
    }
  });
});
