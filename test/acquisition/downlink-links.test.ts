// The `downlink` source with several real links at once (two ground stations): each feeds its own
// chain annotated with its station, the link flag is up while any link is up, and a failure while
// processing one link's input neither ends acquisition nor disturbs the other link.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { defineDownlinkSource } from '../../src/acquisition/downlink-source.ts';
import { DEMO_MISSION_FILE } from '../../src/acquisition/index.ts';
import { RingSink } from '../../src/acquisition/sink.ts';
import type { Source } from '../../src/acquisition/source.ts';
import { FrameType } from '../../src/ccsds/frame.ts';
import { PacketFramer } from '../../src/ccsds/framer.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadMdb } from '../../src/mdb/load.ts';
import { PacketProcessor, type ProcessorOutput } from '../../src/mdb/processor.ts';
import { ControlBlock } from '../../src/ring/layout.ts';
import { systemClock } from '../../src/util/clock.ts';
import { createBuffers, Drain } from './support.ts';

const MDB = loadMdb(DEMO_MISSION_FILE);
const FRAME = { type: FrameType.TM, frameLength: 223, scid: 42, fecf: true } as const;
const POISON_APID = 666;

/** A processor that fails on one APID: stands in for any bug reached through a link's bytes. */
class PoisonedProcessor extends PacketProcessor {
  override process(
    apid: number,
    data: Uint8Array,
    scet: number,
    ert: number,
    out: ProcessorOutput,
    quality?: number,
  ): number {
    if (apid === POISON_APID) throw new Error('poisoned packet');
    return super.process(apid, data, scet, ert, out, quality);
  }
}

function packet(apid: number, ssc: number): Uint8Array {
  const p = new Uint8Array(31);
  const v = new DataView(p.buffer);
  v.setUint16(0, (1 << 11) | apid);
  v.setUint16(2, (0b11 << 14) | ssc);
  v.setUint16(4, 31 - 7);
  return p;
}

/** One transfer frame (with marker: CADU) per packet. */
function cadus(framer: PacketFramer, apids: number[]): Uint8Array[] {
  return apids.map((apid, ssc) => framer.packet(0, packet(apid, ssc)).concat(framer.flush(0))[0]!.cadu);
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; !cond(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('acquisition downlink source with several links', () => {
  let frontEnd: Server;
  let source: Source | undefined;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    frontEnd = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => frontEnd.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((resolve) => frontEnd.close(resolve));
  });

  it('runs two ground stations at once, each annotated, the link flag up while either is up, one failing without harm to the other', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-links-'));
    // GS2 replays a frame file: a good frame, three frames whose packet the processor fails on
    // (three separate deliveries), then three good ones.
    const gs2 = cadus(new PacketFramer(FRAME), [100, POISON_APID, POISON_APID, POISON_APID, 100, 100, 100]);
    writeFileSync(join(stateDir, 'gs2.frames'), Buffer.concat(gs2.map((c) => c.subarray(4))));
    const port = (frontEnd.address() as { port: number }).port;
    const { links } = loadConfig({
      object: {
        simulator: { enabled: false },
        links: [
          {
            id: 'gs1',
            station: 'GS1',
            transport: { kind: 'tcp-client', host: '127.0.0.1', port, reconnect: { initialDelayMs: 20 } },
            frame: { type: 'tm', length: 223, scid: 42 },
            badFrameFile: { enabled: false },
          },
          {
            id: 'gs2',
            station: 'GS2',
            transport: {
              kind: 'file',
              path: join(stateDir, 'gs2.frames'),
              format: 'frames',
              recordBytes: 223,
              frameRateHz: 20,
            },
            frame: { type: 'tm', length: 223, scid: 42 },
            badFrameFile: { enabled: false },
          },
        ],
      },
    });

    const buffers = createBuffers(MDB.parameters.length);
    const flag = new ControlBlock(buffers.rings.control);
    const sink = new RingSink({
      ...buffers,
      dictionary: MDB.parameters.map((p) => p.info),
      clock: systemClock,
      log: { warn: () => {} },
    });
    const logged: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    const at = (level: string) => (fields: Record<string, unknown>, msg: string) => {
      logged.push({ level, msg, fields });
    };
    source = defineDownlinkSource({ links, stateDir }, MDB).create(systemClock, {
      decom: { processor: new PoisonedProcessor(MDB) },
      metrics: null,
      log: { info: at('info'), warn: at('warn'), error: at('error') } as never,
    });
    const ups = (id: string, up: boolean) =>
      logged.filter((l) => l.fields.link === id && l.msg === (up ? 'link up' : 'link down')).length;
    source.start(sink);
    await until('both links up', () => ups('gs1', true) === 1 && ups('gs2', true) === 1);
    expect(flag.linkUp()).to.equal(true);
    const gs1Socket = sockets[0]!;
    gs1Socket.write(Buffer.concat(cadus(new PacketFramer(FRAME), [100, 100])));

    // GS2's file ends; GS1 is still up, so clients see no data break.
    await until('the end of the GS2 file', () => ups('gs2', false) === 1);
    expect(flag.linkUp()).to.equal(true);

    const drain = new Drain(buffers.rings);
    await until('GS1 frames', () => drain.reader.head(0) >= 9);
    const frames = drain.take('frames').map((f) => f.rec);
    expect(frames.filter((f) => f.station === 'GS1')).to.have.length(2);
    // Every GS2 frame is in the stream, the failed ones too: the failure came after them.
    expect(frames.filter((f) => f.station === 'GS2').map((f) => f.vcfc)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    const packets = drain.take('packets').map((p) => p.rec);
    expect(packets.filter((p) => p.station === 'GS2').map((p) => p.apid)).to.deep.equal([
      100,
      POISON_APID,
      POISON_APID,
      POISON_APID,
      100,
      100,
      100,
    ]);
    // The good packets after the failures still decommutate.
    const busV = drain.take('parameters').filter((p) => p.rec.name === 'EPS.BUS_V');
    expect(busV).to.have.length(4 + 2);
    // Three failures, one burst: one error line and one ALARM.
    expect(logged.filter((l) => l.level === 'error').map((l) => l.msg)).to.deep.equal([
      'link gs2: processing failed',
    ]);
    const alarms = drain.take('events').filter((e) => e.rec.type === 'LINK_PROCESSING_ERROR');
    expect(alarms.map((e) => [e.rec.severity, e.rec.source])).to.deep.equal([['ALARM', 'GS2']]);

    // GS1 goes too (its front end is gone for good): now the link flag is down.
    const closed = new Promise((resolve) => frontEnd.close(resolve));
    gs1Socket.destroy();
    await closed;
    await until('GS1 down', () => ups('gs1', false) === 1);
    expect(flag.linkUp()).to.equal(false);
    frontEnd = createServer();
    await new Promise<void>((resolve) => frontEnd.listen(0, '127.0.0.1', resolve));
  });
});
