import { expect } from 'chai';
import { Quality } from '../../protocol/constants.ts';
import { CcsdsError } from '../../src/ccsds/errors.ts';
import { FHP_IDLE_ONLY, FHP_NO_HEADER } from '../../src/ccsds/frame.ts';
import { type ExtractedPacket, IDLE_APID, PacketExtractor } from '../../src/ccsds/packets.ts';
import { concat, makePacket } from './support.ts';

function extractor(cap = 65_542): { x: PacketExtractor; out: ExtractedPacket[] } {
  const out: ExtractedPacket[] = [];
  const x = new PacketExtractor(3, cap, (p) => out.push({ ...p, data: p.data.slice() }));
  return { x, out };
}

const ZONE = 40;

describe('ccsds space packet extraction', () => {
  it('extracts several packets per frame, as views, dropping idle packets', () => {
    const { x, out } = extractor();
    const a = makePacket(0x10, 1, 10);
    const b = makePacket(0x11, 9, 8);
    const idle = makePacket(IDLE_APID, 0, ZONE - 16 - 14 - 6);
    const zone = concat([a, b, idle]);
    expect(zone.length).to.equal(ZONE);
    const views: boolean[] = [];
    const y = new PacketExtractor(3, 100, (p) => views.push(p.data.buffer === zone.buffer));
    y.frame(zone, 0, 5, 42, 0);
    x.frame(zone, 0, 5, 42, 0);
    expect(out.map((p) => [p.apid, p.ssc, p.vcid, p.ert, p.scid, p.quality])).to.deep.equal([
      [0x10, 1, 3, 5, 42, 0],
      [0x11, 9, 3, 5, 42, 0],
    ]);
    expect(out[0]!.data).to.deep.equal(a);
    expect(views).to.deep.equal([true, true]);
    expect(x.counters.idlePackets).to.equal(1);
  });

  it('assembles a packet spanning three frames, annotated with the first frame', () => {
    const { x, out } = extractor();
    const lead = makePacket(0x20, 0, 24); // 30 octets
    const big = makePacket(0x21, 0, 84); // 90 octets: 10 + 40 + 40
    const tail = makePacket(0x22, 0, 34); // 40 octets
    const stream = concat([lead, big, tail]);
    x.frame(stream.subarray(0, 40), 0, 100, 1, Quality.BITS_REVERSED);
    x.frame(stream.subarray(40, 80), FHP_NO_HEADER, 200, 1, 0);
    expect(x.inProgress).to.equal(true);
    x.frame(stream.subarray(80, 120), FHP_NO_HEADER, 300, 1, 0);
    x.frame(stream.subarray(120, 160), 0, 400, 1, 0);
    expect(out.map((p) => [p.apid, p.ert, p.quality])).to.deep.equal([
      [0x20, 100, Quality.BITS_REVERSED],
      [0x21, 100, Quality.BITS_REVERSED],
      [0x22, 400, 0],
    ]);
    expect(out[1]!.data).to.deep.equal(big);
  });

  it('delivers a packet cut by a frame gap padded and flagged incomplete, then resyncs on the pointer', () => {
    const { x, out } = extractor();
    const big = makePacket(0x30, 5, 94); // 100 octets
    const next = makePacket(0x30, 7, 14); // 20 octets
    x.frame(big.subarray(0, 40), 0, 1, 1, 0);
    x.gap(); // the frame with octets 40..80 was lost
    const third = concat([big.subarray(80, 100), next]);
    x.frame(third, 20, 3, 1, 0);
    expect(out).to.have.length(2);
    expect(out[0]!.quality).to.equal(Quality.INCOMPLETE_PACKET);
    expect(out[0]!.data.length).to.equal(100);
    expect(out[0]!.data.subarray(0, 40)).to.deep.equal(big.subarray(0, 40));
    expect(out[0]!.data.subarray(40).every((b) => b === 0)).to.equal(true);
    expect(out[1]!.quality, 'ssc 6 is missing').to.equal(Quality.PACKET_SEQUENCE_ERROR);
    expect(x.counters).to.deep.include({ incompletePackets: 1, discardedBytes: 20, sequenceErrors: 1 });
  });

  it('reassembles a primary header split across frames, and an idle packet spanning frames', () => {
    const { x, out } = extractor();
    const a = makePacket(0x40, 0, 34 + 3); // 43 octets: header of the next packet starts at 3
    const b = makePacket(0x40, 1, 20);
    const idle = makePacket(IDLE_APID, 0, 60);
    const c = makePacket(0x40, 2, 10);
    const stream = concat([a, b, idle, c]);
    for (let at = 0, i = 0; at < stream.length; at += ZONE, i++) {
      const zone = stream.subarray(at, at + ZONE);
      const starts = [0, 43, 43 + 26, 43 + 26 + 66].filter((s) => s >= at && s < at + ZONE);
      x.frame(zone, starts.length ? starts[0]! - at : FHP_NO_HEADER, i, 1, 0);
    }
    expect(out.map((p) => p.ssc)).to.deep.equal([0, 1, 2]);
    expect(out[1]!.data).to.deep.equal(b);
    expect(out.every((p) => p.quality === 0)).to.equal(true);
    expect(x.counters.idlePackets).to.equal(1);
  });

  it('flags primary header errors (bit 0) and sequence jumps per APID (bit 1)', () => {
    const { x, out } = extractor();
    const bad = makePacket(0x50, 0, 4);
    bad[0]! |= 0x20; // version 1
    const zone = concat([
      bad,
      makePacket(0x51, 16383, 4),
      makePacket(0x51, 0, 4),
      makePacket(0x52, 3, 4),
      makePacket(0x51, 2, 4),
    ]);
    x.frame(zone, 0, 0, 1, 0);
    expect(out.map((p) => p.quality)).to.deep.equal([
      Quality.PACKET_HEADER_ERROR,
      0,
      0,
      0,
      Quality.PACKET_SEQUENCE_ERROR,
    ]);
  });

  it('handles pointers that contradict the packet in progress, and idle-only frames', () => {
    const { x, out } = extractor();
    const big = makePacket(0x60, 0, 54); // 60 octets
    x.frame(big.subarray(0, 40), 0, 0, 1, 0);
    // The next frame claims a packet starts at 5, though 20 octets of `big` were still due.
    x.frame(concat([big.subarray(40, 45), makePacket(0x60, 1, 29)]), 5, 1, 1, 0);
    expect(out.map((p) => [p.ssc, p.quality])).to.deep.equal([
      [0, Quality.INCOMPLETE_PACKET],
      [1, 0],
    ]);
    x.frame(makePacket(0x60, 2, 50).subarray(0, 40), 0, 2, 1, 0);
    x.frame(new Uint8Array(ZONE), FHP_IDLE_ONLY, 3, 1, 0);
    expect(out.at(-1)!.quality).to.equal(Quality.INCOMPLETE_PACKET);
    expect(x.counters.pointerMismatches).to.equal(2);
  });

  it('skips packets over the size cap without buffering them, until the next pointer', () => {
    const { x, out } = extractor(64);
    const huge = makePacket(0x70, 0, 200);
    x.frame(huge.subarray(0, 40), 0, 0, 1, 0);
    x.frame(huge.subarray(40, 80), FHP_NO_HEADER, 1, 1, 0);
    x.frame(concat([huge.subarray(200, 206), makePacket(0x70, 1, 28)]), 6, 2, 1, 0);
    expect(out.map((p) => p.ssc)).to.deep.equal([1]);
    expect(x.counters.oversizePackets).to.equal(1);
    expect(() => new PacketExtractor(0, 6, () => {}))
      .to.throw(CcsdsError)
      .with.property('code', 'ERR_PACKET_CAP');
  });
});
