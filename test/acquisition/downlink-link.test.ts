// A `downlink` source with a real link: SCS connects (tcp-client) to a front end that pushes CADUs;
// frames, packets and parameters reach a client; bad frames and the contact go to their files.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { Quality } from '../../protocol/constants.ts';
import { FrameType } from '../../src/ccsds/frame.ts';
import { PacketFramer } from '../../src/ccsds/framer.ts';
import { decodePacketFile } from '../../src/files/packet-file.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { collectRecords } from '../support/server.ts';
import { metric, scrape, startWith, subscribe } from './support-server.ts';

describe('acquisition downlink source with a real link', () => {
  let server: ScsServer | undefined;
  const clients: ScsClient[] = [];
  let frontEnd: Server;
  let peer: Promise<Socket>;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    frontEnd = createServer((s) => sockets.push(s));
    peer = new Promise((resolve) => frontEnd.once('connection', resolve));
    await new Promise<void>((resolve) => frontEnd.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    // SCS first: its link would reconnect to the front end while it closes.
    await server?.close();
    server = undefined;
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((resolve) => frontEnd.close(resolve));
  });

  it('takes CADUs over tcp-client: frames, swapped packets, parameters, link events, metrics and files', async () => {
    const port = (frontEnd.address() as { port: number }).port;
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-link-'));
    server = await startWith(
      {
        simulator: { enabled: false },
        links: [
          {
            id: 'gs1',
            station: 'GS1',
            transport: { kind: 'tcp-client', host: '127.0.0.1', port, reconnect: { initialDelayMs: 50 } },
            frame: { type: 'tm', length: 223, scid: 42 },
            reedSolomon: { interleave: 1 },
            apids: {
              '100': {
                time: { counter: { octets: 8, unitUs: 1 }, epoch: '1970-01-01T00:00:00Z' },
                swap: 'bytes',
              },
            },
            contactFiles: [{ vcids: [0] }],
          },
        ],
      },
      stateDir,
    );
    const [events, frames, parameters] = await Promise.all(
      (['events', 'frames', 'parameters'] as const).map((s) => subscribe(server!, s)),
    );
    clients.push(events!, frames!, parameters!);
    const socket = await peer;
    const framer = new PacketFramer({
      type: FrameType.TM,
      frameLength: 223,
      scid: 42,
      fecf: true,
      reedSolomon: { interleave: 1 },
    });
    const scet = Date.UTC(2026, 10, 21) * 1000;
    const cadus = [0, 1, 2].flatMap((ssc) => [
      ...framer.packet(0, epsPacket(ssc, scet + ssc)).map((o) => o.cadu),
      ...framer.flush(0).map((o) => o.cadu),
    ]);
    // One bit error in each of the first three frames (Reed-Solomon corrects it); the fourth has
    // more symbol errors than the code can correct.
    for (const c of cadus) c[40] ^= 0x10;
    const bad = framer.packet(0, epsPacket(3, scet + 3)).concat(framer.flush(0))[0]!.cadu;
    for (let i = 0; i < 20; i++) bad[10 + i] ^= 0xff;
    socket.write(Buffer.concat([...cadus, bad]));

    const f = await collectRecords(frames!, 4);
    for (const r of f.slice(0, 3))
      expect(r).to.include({ station: 'GS1', scid: 42, vcid: 0, quality: Quality.FRAME_ECF_PRESENT });
    expect((f[3]!.quality as number) & Quality.FRAME_CRC_ERROR).to.equal(Quality.FRAME_CRC_ERROR);
    const p = await collectRecords(parameters!, 36);
    expect(p.filter((r) => r.name === 'EPS.BUS_V').map((r) => r.eng)).to.deep.equal([28.5, 28.5, 28.5]);
    expect(p.filter((r) => r.name === 'PKT.SCET').map((r) => r.scet)).to.deep.equal([
      scet,
      scet + 1,
      scet + 2,
    ]);

    const link = (r: Record<string, unknown>) => /^(LINK|SYNC)_/.test(String(r.type));
    const nextLinkEvent = async () => {
      for (;;) {
        const found = (await collectRecords(events!, 1)).find(link);
        if (found !== undefined) return found;
      }
    };
    // LINK_UP came before the subscription; the lock comes with the data.
    expect(await nextLinkEvent()).to.include({ type: 'SYNC_LOCK', source: 'GS1' });

    // The acquisition thread publishes its counters at least once a second.
    let text = '';
    for (const deadline = Date.now() + 3000; Date.now() < deadline; ) {
      text = await scrape(server);
      if (metric(text, 'scs_vc_frames_total', 'link="gs1"') === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(metric(text, 'scs_vc_frames_total', 'link="gs1"')).to.equal(4);
    expect(metric(text, 'scs_vc_bad_frames_total', 'link="gs1"')).to.equal(1);
    expect(metric(text, 'scs_vc_rs_corrected_symbols_total', 'link="gs1"')).to.equal(3);
    expect(metric(text, 'scs_link_rs_uncorrectable_frames_total', 'link="gs1"')).to.equal(1);
    expect(metric(text, 'scs_link_up', 'link="gs1"')).to.equal(1);

    socket.destroy();
    expect(await nextLinkEvent()).to.include({ type: 'LINK_DOWN', source: 'GS1', severity: 'WARNING' });
    // The link reconnects to the front end on its own.
    expect(await nextLinkEvent()).to.include({ type: 'LINK_UP', source: 'GS1', severity: 'INFO' });
    await server.close();
    server = undefined;
    // Files are complete once the server has stopped.
    const badLines = readFileSync(join(stateDir, 'bad-frames-gs1.txt'), 'utf8').trim().split('\n');
    expect(badLines).to.have.length(1);
    const contacts = readdirSync(join(stateDir, 'contacts', 'gs1'));
    expect(contacts).to.have.length(1);
    expect(contacts[0]).to.match(/^vc0_\d{14}$/);
    const recorded = decodePacketFile(readFileSync(join(stateDir, 'contacts', 'gs1', contacts[0]!)));
    expect(recorded.map((r) => [r.apid, r.ssc, r.scet, r.station])).to.deep.equal([
      [100, 0, scet, 'GS1'],
      [100, 1, scet + 1, 'GS1'],
      [100, 2, scet + 2, 'GS1'],
    ]);
  });
});

/**
 * An EPS housekeeping packet (APID 100) as a flight system that swaps the octets of every 16-bit
 * word would send it: the link's `swap: 'bytes'` restores the demo mission's layout.
 */
function epsPacket(ssc: number, scetUs: number): Uint8Array {
  const p = new Uint8Array(31);
  const v = new DataView(p.buffer);
  v.setUint16(0, (1 << 11) | 100);
  v.setUint16(2, (0b11 << 14) | ssc);
  v.setUint16(4, 31 - 7);
  v.setBigUint64(6, BigInt(scetUs));
  v.setUint16(14, 28_500); // EPS.BUS_V, 1 mV
  for (let i = 6; i + 1 < 30; i += 2) {
    const a = p[i]!;
    p[i] = p[i + 1]!;
    p[i + 1] = a;
  }
  return p;
}
