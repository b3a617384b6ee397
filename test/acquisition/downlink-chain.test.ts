import { expect } from 'chai';
import { Quality, STREAMS, type Stream } from '../../protocol/constants.ts';
import { BAD_INPUT_QUIET_MS, DownlinkChain, VC_CLEAN_FRAMES } from '../../src/acquisition/downlink-chain.ts';
import { DEMO_MISSION_FILE } from '../../src/acquisition/index.ts';
import { RingSink } from '../../src/acquisition/sink.ts';
import { FrameType } from '../../src/ccsds/frame.ts';
import { PacketFramer } from '../../src/ccsds/framer.ts';
import { loadMdb, parseMdb } from '../../src/mdb/load.ts';
import type { Mdb } from '../../src/mdb/model.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import {
  createDownlinkMetrics,
  DownlinkMetricsReader,
  LinkMetricsWriter,
} from '../../src/metrics/downlink.ts';
import { FakeClock } from '../../src/util/clock.ts';
import type { Logger } from '../../src/util/logger.ts';
import { createBuffers, Drain, type Read } from './support.ts';

const MDB = loadMdb(DEMO_MISSION_FILE);
const ERT = 1_700_000_000_000_000;
const FRAME = { type: FrameType.TM, frameLength: 223, scid: 42, fecf: true } as const;

interface Logged {
  level: 'warn' | 'info';
  fields: Record<string, unknown>;
  msg: string;
}

function setup(metrics = createDownlinkMetrics([{ id: 'gs', station: 'GS' }]), mdb: Mdb = MDB) {
  const logged: Logged[] = [];
  const log = {
    warn: (fields: Record<string, unknown>, msg: string) => logged.push({ level: 'warn', fields, msg }),
    info: (fields: Record<string, unknown>, msg: string) => logged.push({ level: 'info', fields, msg }),
  };
  const buffers = createBuffers(MDB.parameters.length);
  const clock = new FakeClock(ERT / 1000);
  const dictionary = MDB.parameters.map((p) => p.info);
  const sink = new RingSink({ ...buffers, dictionary, clock, log: { warn: () => {} } });
  const chain = new DownlinkChain({
    linkId: 'gs',
    config: { station: 'GS', frame: FRAME },
    sink,
    decom: { processor: new PacketProcessor(mdb) },
    metrics: new LinkMetricsWriter(metrics, 'gs'),
    clock,
    log: log as unknown as Pick<Logger, 'warn' | 'info'>,
  });
  const drain = new Drain(buffers.rings);
  const take = (): Record<Stream, Read[]> => {
    sink.commit();
    return Object.fromEntries(STREAMS.map((s) => [s, drain.take(s)])) as Record<Stream, Read[]>;
  };
  return { chain, take, clock, logged, metrics: new DownlinkMetricsReader(metrics), raw: metrics };
}

/** A demo-mission packet of APID 100 with `bytes` octets in all (31 is the container's length). */
function eps(ssc: number, bytes = 31): Uint8Array {
  const p = new Uint8Array(bytes);
  const v = new DataView(p.buffer);
  v.setUint16(0, (1 << 11) | 100);
  v.setUint16(2, (0b11 << 14) | ssc);
  v.setUint16(4, bytes - 7);
  return p;
}

const types = (events: Read[]) => events.map((e) => e.rec.type);

describe('acquisition downlink chain', () => {
  it('flags packets whose length differs from the declared length of their container (quality bit 7), and decommutates them', () => {
    const { chain, take, metrics } = setup();
    const annotated = { ert: ERT, scet: 5, station: 'GS', scid: 42, vcid: 0, apid: 100, ssc: 1, quality: 0 };
    expect(MDB.def.containers.EPS_HK!.length).to.equal(31);
    chain.packet({ ...annotated, data: eps(1) });
    chain.packet({ ...annotated, ssc: 2, data: eps(2, 20) });
    chain.packet({ ...annotated, ssc: 3, data: eps(3, 32) });
    chain.packet({ ...annotated, apid: 999 & 0x7ff, data: eps(4, 10) });
    const got = take();
    const flagged = [0, Quality.LENGTH_MISMATCH, Quality.LENGTH_MISMATCH, 0];
    expect(got.packets.map((p) => p.rec.quality)).to.deep.equal(flagged);
    // The samples of the short and the long packet carry the packet's bit.
    const bad = got.parameters.filter((p) => (p.rec.quality as number) & Quality.LENGTH_MISMATCH);
    expect(bad.length).to.equal((got.parameters.length / 3) * 2);
    chain.publish(true);
    expect(metrics.link(0, 'lengthMismatches')).to.equal(2);
  });

  it('without a declared length, flags only packets shorter than their container', () => {
    const containers = Object.fromEntries(
      Object.entries(MDB.def.containers).map(([name, { length: _, ...c }]) => [name, c]),
    );
    const { chain, take, metrics } = setup(
      undefined,
      parseMdb({ ...MDB.def, containers }, 'no-lengths.json'),
    );
    const annotated = { ert: ERT, scet: 5, station: 'GS', scid: 42, vcid: 0, apid: 100, ssc: 1, quality: 0 };
    chain.packet({ ...annotated, data: eps(1) });
    chain.packet({ ...annotated, ssc: 2, data: eps(2, 30) });
    chain.packet({ ...annotated, ssc: 3, data: eps(3, 200) });
    expect(take().packets.map((p) => p.rec.quality)).to.deep.equal([0, Quality.LENGTH_MISMATCH, 0]);
    chain.publish(true);
    expect(metrics.link(0, 'lengthMismatches')).to.equal(1);
  });

  it('raises link, sync and VC error episode events on change of state only', () => {
    const { chain, take } = setup();
    const framer = new PacketFramer(FRAME);
    const cadu = (ssc: number) => framer.packet(0, eps(ssc)).concat(framer.flush(0))[0]!.cadu;
    chain.setState(true, 'connected');
    chain.setState(true, 'again');
    chain.push(cadu(0), ERT);
    const bad = cadu(1);
    bad[100] ^= 0xff;
    chain.push(bad, ERT);
    for (let i = 2; i < 2 + VC_CLEAN_FRAMES; i++) chain.push(cadu(i), ERT);
    chain.push(new Uint8Array(2000).fill(0x55), ERT);
    chain.setState(false, 'connection closed');
    const { frames, events } = take();
    // Garbage after lock: the flywheel delivers 3 more (bad) frames before the sync gives up.
    expect(frames).to.have.length(2 + VC_CLEAN_FRAMES + 3);
    expect(frames[1]!.rec.quality).to.equal(Quality.FRAME_ECF_PRESENT | Quality.FRAME_CRC_ERROR);
    const linkish = events.filter((e) => e.rec.source === 'GS');
    expect(types(linkish)).to.deep.equal([
      'LINK_UP',
      'SYNC_LOCK',
      'VC_ERRORS',
      'VC_NOMINAL',
      'VC_ERRORS',
      'SYNC_LOSS',
      'LINK_DOWN',
    ]);
    expect(linkish[3]!.rec.message).to.match(/after 1 bad frames and 0 count gaps/);
    expect(linkish[6]!.rec).to.include({ severity: 'WARNING' });
  });

  it('raises a CLCW event when the flags of the uplink report change, not per frame, skipping bad frames', () => {
    const { chain, take } = setup();
    // CLCW: COP-1, uplink VC 3, then lockout set, then clear again; report values moving.
    const words = [0x010c002a, 0x010c002b, 0x010c202c, 0x010c202d, 0x010c002e];
    const cadus = words.map((clcw, i) => {
      const framer = new PacketFramer({ ...FRAME, clcw });
      return framer.packet(0, eps(i)).concat(framer.flush(0))[0]!.cadu;
    });
    // A bad frame's CLCW is not believed: this one claims no RF.
    const liar = new PacketFramer({ ...FRAME, clcw: 0x010c802f });
    const bad = liar.packet(0, eps(9)).concat(liar.flush(0))[0]!.cadu;
    bad[50] ^= 0xff;
    for (const c of [cadus[0]!, cadus[1]!, bad, cadus[2]!, cadus[3]!, cadus[4]!]) chain.push(c, ERT);
    const clcw = take().events.filter((e) => e.rec.type === 'CLCW');
    expect(clcw.map((e) => [e.rec.severity, e.rec.message])).to.deep.equal([
      ['INFO', 'CLCW of uplink VC 3 at GS: nominal (report value 42)'],
      ['WARNING', 'CLCW of uplink VC 3 at GS: lockout (report value 44)'],
      ['INFO', 'CLCW of uplink VC 3 at GS: nominal (report value 46)'],
    ]);
  });

  it('logs bad input once per burst, not per byte or frame, and a summary when it is over', () => {
    const { chain, clock, logged: all, take } = setup();
    // Only the bad-input lines: the chain also logs signal and frame sync changes.
    const badLog = () => all.filter((l) => !/signal|frame sync/.test(l.msg));
    const framer = new PacketFramer(FRAME);
    const cadu = (ssc: number) => framer.packet(0, eps(ssc)).concat(framer.flush(0))[0]!.cadu;
    chain.setState(true, 'connected');
    // Random bytes, one at a time: thousands of garbage bytes, one warning.
    let x = 0x2545f491;
    for (let i = 0; i < 5000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chain.push(Uint8Array.of(x & 0xff), ERT);
      clock.advance(1);
    }
    expect(badLog().map((l) => l.level)).to.deep.equal(['warn']);
    expect(badLog()[0]!.msg).to.match(/bad input on link gs \(GS\): burst began/);
    // Good frames within the quiet time end nothing; the first delivery after it ends the burst.
    chain.push(cadu(0), ERT);
    clock.advance(BAD_INPUT_QUIET_MS);
    chain.push(cadu(1), ERT);
    expect(badLog().map((l) => l.level)).to.deep.equal(['warn', 'info']);
    const garbage = badLog()[1]!.fields.garbageBytes as number;
    expect(garbage).to.be.within(4900, 5000);
    expect(badLog()[1]!.fields).to.include({ link: 'gs', badFrames: 0 });
    // Truncated and wrong-length blocks (a frame per datagram): one more burst, ended by the link's loss.
    for (let n = 1; n < 300; n += 7) chain.pushBlock(new Uint8Array(n).fill(n), ERT);
    chain.pushBlock(cadu(2).subarray(4), ERT);
    chain.setState(false, 'closed');
    expect(badLog().map((l) => l.level)).to.deep.equal(['warn', 'info', 'warn', 'info']);
    expect(badLog()[3]!.fields).to.include({ badFrames: 43, garbageBytes: 0 });
    expect(badLog()[3]!.msg).to.match(/burst over \(link down\)/);
    // Undecodable packet-file bytes, counted by the link and handed over with its counters.
    chain.setTransport({ connectFailures: 0, refused: 0, replaced: 0, skippedBytes: 500 });
    chain.setTransport({ connectFailures: 0, refused: 0, replaced: 0, skippedBytes: 900 });
    expect(badLog().map((l) => l.level)).to.deep.equal(['warn', 'info', 'warn', 'info', 'warn']);
    expect(badLog()[4]!.fields).to.include({ skippedBytes: 500 });
    // Every bad block is still a flagged frame in the stream.
    const bad = take().frames.filter((f) => (f.rec.quality as number) & Quality.FRAME_HEADER_ERROR);
    expect(bad).to.have.length(43);
  });

  it('continues the totals a previous acquisition thread left in the shared buffer', () => {
    const first = setup();
    const framer = new PacketFramer(FRAME);
    for (let i = 0; i < 3; i++)
      first.chain.push(framer.packet(0, eps(i)).concat(framer.flush(0))[0]!.cadu, ERT);
    first.chain.publish(true);
    const again = setup(first.raw);
    again.chain.push(framer.packet(0, eps(3)).concat(framer.flush(0))[0]!.cadu, ERT);
    again.chain.publish(true);
    expect(again.metrics.link(0, 'frames')).to.equal(4);
    expect(again.metrics.vc(0, 0, 'frames')).to.equal(4);
  });
});
