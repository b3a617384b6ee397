import { expect } from 'chai';
import fc from 'fast-check';
import { Quality } from '../../protocol/constants.ts';
import { CcsdsError } from '../../src/ccsds/errors.ts';
import { FrameType } from '../../src/ccsds/frame.ts';
import { type FramedOutput, type FramerConfig, PacketFramer } from '../../src/ccsds/framer.ts';
import { type DownlinkConfig, DownlinkPipeline } from '../../src/ccsds/pipeline.ts';
import { EPOCH_1958_US } from '../../src/ccsds/time.ts';
import { Collect, concat, makePacket } from './support.ts';

const SCID = 0x2a5;
const EPOCH_2000_US = Date.UTC(2000, 0, 1) * 1000;
const CLCW = 0x010ca42a;

function tmLink(
  extra: Partial<DownlinkConfig> = {},
  rs = true,
): { framer: PacketFramer; config: DownlinkConfig } {
  const framerConfig: FramerConfig = {
    type: FrameType.TM,
    frameLength: 446,
    scid: SCID,
    fecf: true,
    clcw: CLCW,
    randomize: rs,
    reedSolomon: rs ? { interleave: 2 } : undefined,
  };
  const config: DownlinkConfig = {
    station: 'GS1',
    frame: { type: FrameType.TM, frameLength: 446, fecf: true, scid: SCID },
    randomized: rs,
    reedSolomon: rs ? { interleave: 2 } : undefined,
    ...extra,
  };
  return { framer: new PacketFramer(framerConfig), config };
}

/** Packets of `sizes` on `vcid` (ssc counting from 0), the VC flushed at the end. */
function frames(framer: PacketFramer, vcid: number, apid: number, sizes: readonly number[]): FramedOutput[] {
  const out = sizes.flatMap((n, ssc) => framer.packet(vcid, makePacket(apid, ssc, n)));
  return [...out, ...framer.flush(vcid)];
}

const GOOD = Quality.FRAME_ECF_PRESENT;

describe('ccsds downlink pipeline', () => {
  it('corrects RS errors, checks FECF, extracts packets and CLCWs, annotating per ICD §6', () => {
    const { framer, config } = tmLink({
      // Level 2 (agency epoch, here 2000-01-01): the packets' small counts are after 1970.
      time: new Map([[0x101, { pField: [0x2e], epochUs: EPOCH_2000_US, offset: 6 }]]),
    });
    const sizes = [100, 500, 1000, 30, 2000];
    const out = frames(framer, 2, 0x101, sizes);
    const cadus = out.map((o) => o.cadu);
    // 16 symbol errors in each codeword of frame 1 (codeword = every other byte after the marker).
    for (let k = 0; k < 16; k++) for (const j of [0, 1]) cadus[1]![4 + 2 * 15 * k + j]! ^= 0xa5;
    const sink = new Collect();
    const p = new DownlinkPipeline(config, sink);
    p.push(concat(cadus), 1_700_000_000_000_000);
    expect(sink.frames.map((f) => [f.vcid, f.vcfc, f.quality, f.station, f.scid])).to.deep.equal(
      out.map((_, i) => [2, i, GOOD, 'GS1', SCID]),
    );
    expect(sink.frames.map((f) => f.data)).to.deep.equal(out.map((o) => o.frame));
    expect(sink.packets.map((q) => [q.data.length, q.apid, q.ssc, q.vcid, q.quality])).to.deep.equal(
      sizes.map((n, i) => [n + 6, 0x101, i, 2, 0]),
    );
    expect(sink.packets[0]!.ert).to.equal(1_700_000_000_000_000);
    // makePacket's data octets 0..3 are the CUC coarse time: (i * 7 + apid) & 0xff for i = 0..3, then 2 fine.
    const b = (i: number) => (i * 7 + 0x101) & 0xff;
    const coarse = ((b(0) * 256 + b(1)) * 256 + b(2)) * 256 + b(3);
    expect(sink.packets[0]!.scet).to.equal(
      EPOCH_2000_US + coarse * 1e6 + Math.round(((b(4) * 256 + b(5)) / 65536) * 1e6),
    );
    expect(sink.clcws).to.have.length(out.length);
    expect(sink.clcws[0]).to.include({ copInEffect: 1, vcid: 3, reportValue: 0x2a });
    const s = p.stats();
    expect(s.counters).to.deep.include({ rsCorrectedSymbols: 32, rsUncorrectableFrames: 0, badFrames: 0 });
    expect(s.vcs).to.deep.equal([
      { vcid: 2, frames: out.length, badFrames: 0, rsCorrections: 32, sequenceErrors: 0 },
    ]);
  });

  it('flags an RS-uncorrectable frame, skips its CLCW, and cuts the packet it carried', () => {
    const { framer, config } = tmLink();
    const out = frames(framer, 1, 0x55, [1500, 40]);
    const cadus = out.map((o) => o.cadu.slice());
    // Codeword 0 only, clear of the frame header: an RS failure alone.
    for (let k = 0; k < 17; k++) cadus[2]![4 + 20 + 2 * 14 * k]! ^= 0x3c;
    const sink = new Collect();
    const p = new DownlinkPipeline(config, sink);
    p.push(concat(cadus), 7);
    expect(sink.frames.map((f) => f.quality)).to.deep.equal(
      out.map((_, i) => (i === 2 ? GOOD | Quality.FRAME_CRC_ERROR : GOOD)),
    );
    expect(sink.clcws).to.have.length(out.length - 1);
    expect(sink.packets.map((q) => [q.ssc, q.data.length, q.quality])).to.deep.equal([
      [0, 1506, Quality.INCOMPLETE_PACKET],
      [1, 46, 0],
    ]);
    expect(p.stats().counters).to.deep.include({
      rsUncorrectableFrames: 1,
      badFrames: 1,
      frames: out.length,
    });
    expect(p.stats().vcs[0]).to.include({ badFrames: 1 });
  });

  it('flags a VC frame count gap and delivers the packet it cut as incomplete (or not, when switched off)', () => {
    for (const check of [true, false]) {
      const { framer, config } = tmLink({ checkVcContinuity: check }, false);
      const out = frames(framer, 0, 0x77, [200, 1200, 10]);
      const kept = out.filter((_, i) => i !== 1);
      const sink = new Collect();
      new DownlinkPipeline(config, sink).push(concat(kept.map((o) => o.cadu)), 1);
      expect(sink.frames.map((f) => f.vcfc)).to.deep.equal(kept.map((_, i) => (i === 0 ? 0 : i + 1)));
      expect(sink.frames[1]!.quality).to.equal(check ? GOOD | Quality.VC_SEQUENCE_ERROR : GOOD);
      if (check) {
        expect(sink.packets.map((q) => [q.ssc, q.quality])).to.deep.equal([
          [0, 0],
          [1, Quality.INCOMPLETE_PACKET],
          [2, 0],
        ]);
        expect(sink.packets[1]!.data.length).to.equal(1206);
      } else {
        // Without the count check the lost frame shows only through the pointer of the next one.
        expect(sink.packets.map((q) => q.ssc)).to.deep.equal([0, 1, 2]);
        expect(sink.packets[1]!.quality).to.equal(Quality.INCOMPLETE_PACKET);
      }
    }
  });

  it('inverts reversed-polarity CADUs and flags frames and their packets with bit 8', () => {
    const { framer, config } = tmLink();
    const cadus = frames(framer, 4, 0x12, [300, 300]).map((o) => o.cadu.map((b) => ~b & 0xff));
    const sink = new Collect();
    new DownlinkPipeline(config, sink).push(concat(cadus), 1);
    expect(sink.frames.every((f) => f.quality === (GOOD | Quality.BITS_REVERSED))).to.equal(true);
    expect(sink.packets.map((q) => q.quality)).to.deep.equal([Quality.BITS_REVERSED, Quality.BITS_REVERSED]);
  });

  it('drops and counts idle frames and frames of unselected VCs, delivers bad frames whatever their VC', () => {
    const { framer, config } = tmLink({ vcids: [1] }, false);
    const a = frames(framer, 1, 0x10, [50]);
    const b = frames(framer, 2, 0x20, [50]);
    const idle = framer.idleFrame();
    const broken = frames(framer, 2, 0x20, [50])[0]!.cadu;
    broken[20]! ^= 1;
    const sink = new Collect();
    const p = new DownlinkPipeline(config, sink);
    p.push(concat([...a, idle, ...b].map((o) => o.cadu).concat([broken])), 1);
    expect(sink.frames.map((f) => [f.vcid, f.quality])).to.deep.equal([
      [1, GOOD],
      [2, GOOD | Quality.FRAME_CRC_ERROR],
    ]);
    expect(sink.packets.map((q) => q.apid)).to.deep.equal([0x10]);
    expect(p.stats().counters).to.deep.include({ idleFrames: 1, unselectedFrames: 1, crcErrors: 1 });
  });

  it('takes one frame per datagram, flagging one of the wrong length, and flushes on a link break', () => {
    const { framer, config } = tmLink({}, false);
    const out = frames(framer, 3, 0x30, [600]);
    const sink = new Collect();
    const p = new DownlinkPipeline(config, sink);
    p.pushBlock(out[0]!.frame, 10);
    p.pushBlock(out[1]!.frame.subarray(0, 100), 11);
    expect(sink.frames.map((f) => f.quality)).to.deep.equal([
      GOOD,
      GOOD | Quality.FRAME_HEADER_ERROR | Quality.FRAME_CRC_ERROR,
    ]);
    expect(sink.packets.map((q) => q.quality)).to.deep.equal([Quality.INCOMPLETE_PACKET]);
    p.pushBlock(frames(framer, 3, 0x30, [1000])[0]!.frame, 12);
    p.flush();
    expect(sink.packets.map((q) => [q.ssc, q.ert, q.quality])).to.deep.equal([
      [0, 10, Quality.INCOMPLETE_PACKET],
      [0, 12, Quality.INCOMPLETE_PACKET | Quality.PACKET_SEQUENCE_ERROR],
    ]);
    // The short datagram stood for VC count 1: the frame after it (count 2) is no sequence error.
    expect(sink.frames.map((f) => [f.vcfc, f.quality & Quality.VC_SEQUENCE_ERROR])).to.deep.equal([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });

  it('processes AOS frames (M_PDU first header pointer, 24-bit counts, VC 63 idle)', () => {
    const framer = new PacketFramer({ type: FrameType.AOS, frameLength: 300, scid: 0xab, fecf: true });
    const out = [...frames(framer, 40, 0x3ff, [400, 20, 700]), framer.idleFrame()];
    const sink = new Collect();
    const p = new DownlinkPipeline(
      {
        station: 'GS2',
        frame: { type: FrameType.AOS, frameLength: 300, fecf: true, scid: 0xab },
        vcids: [40],
      },
      sink,
    );
    p.push(concat(out.map((o) => o.cadu)), 5);
    expect(sink.frames.map((f) => [f.vcid, f.vcfc, f.quality])).to.deep.equal(
      out.slice(0, -1).map((_, i) => [40, i, GOOD]),
    );
    expect(sink.packets.map((q) => [q.apid, q.ssc, q.data.length, q.quality])).to.deep.equal([
      [0x3ff, 0, 406, 0],
      [0x3ff, 1, 26, 0],
      [0x3ff, 2, 706, 0],
    ]);
    expect(p.stats().counters.idleFrames).to.equal(1);
  });

  it('delivers any sequence of valid packets unchanged, whatever the idle fill and chunking', () => {
    const packet = fc.record({
      apid: fc.integer({ min: 0, max: 0x7fe }),
      length: fc.integer({ min: 1, max: 900 }),
      seed: fc.nat(255),
      idleFrameAfter: fc.boolean(),
      flushAfter: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(packet, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (specs, cuts, rs) => {
          const { framer, config } = tmLink({}, rs);
          const sent: Uint8Array[][] = [[], [], []];
          const ssc = new Map<number, number>();
          const cadus: Uint8Array[] = [];
          for (const spec of specs) {
            // An APID travels on one VC (as on a spacecraft): otherwise the VCs' interleaving
            // reorders its packets and their sequence count is rightly flagged.
            const s = { ...spec, vcid: spec.apid % 3 };
            const n = ssc.get(s.apid) ?? 0;
            ssc.set(s.apid, n + 1);
            const p = makePacket(s.apid, n, s.length, (i) => (i * s.seed) & 0xff);
            sent[s.vcid]!.push(p);
            cadus.push(...framer.packet(s.vcid, p).map((o) => o.cadu));
            if (s.flushAfter) cadus.push(...framer.flush(s.vcid).map((o) => o.cadu));
            if (s.idleFrameAfter) cadus.push(framer.idleFrame().cadu);
          }
          for (const v of [0, 1, 2]) cadus.push(...framer.flush(v).map((o) => o.cadu));
          const stream = concat(cadus);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const sink = new Collect();
          const p = new DownlinkPipeline(config, sink);
          let from = 0;
          for (const at of [...points, stream.length]) {
            p.push(stream.subarray(from, at), 0);
            from = at;
          }
          for (const v of [0, 1, 2]) {
            const got = sink.packets.filter((q) => q.vcid === v);
            expect(got.map((q) => q.data)).to.deep.equal(sent[v]);
            expect(got.every((q) => q.quality === 0)).to.equal(true);
          }
          expect(p.stats().syncCounters.garbageBytes).to.equal(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('never throws on damaged input: corrupted CADUs, random bytes and blocks of any length, in every layout', () => {
    const everyApid = <T>(v: T) => new Map(Array.from({ length: 0x800 }, (_, a) => [a, v] as [number, T]));
    const configs: { config: DownlinkConfig; framer: PacketFramer }[] = [
      tmLink({ time: everyApid({ explicit: true, epochUs: EPOCH_1958_US }), swap: everyApid('both') }, true),
      tmLink(
        { time: everyApid({ counter: { octets: 8, unitUs: 1 }, epochUs: 0 }), swap: everyApid('words') },
        false,
      ),
      (() => {
        const frame = { type: FrameType.AOS, frameLength: 300, fecf: true, scid: 0x2a, ocf: true } as const;
        return {
          config: {
            station: 'A',
            frame,
            time: everyApid({ pField: [0x2e], epochUs: 0 }),
            maxPacketBytes: 500,
          },
          framer: new PacketFramer({ ...frame, clcw: CLCW }),
        };
      })(),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: configs.length - 1 }),
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 60 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 10 }),
        (which, sizes, flips, noise, cuts, blockLengths) => {
          const { config, framer } = configs[which]!;
          const cadus = frames(framer, 1, 0x123, sizes).map((o) => o.cadu);
          const stream = concat([...cadus, noise, ...cadus]);
          for (const [at, x] of flips) stream[at % stream.length]! ^= x;
          const p = new DownlinkPipeline(config, new Collect());
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          let from = 0;
          for (const at of [...points, stream.length]) {
            p.push(stream.subarray(from, at), 0);
            from = at;
          }
          for (const n of blockLengths) p.pushBlock(stream.subarray(0, Math.min(n, stream.length)), 0);
          p.flush();
          const c = p.stats().counters;
          expect(c.frames).to.be.at.least(c.badFrames);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects bad configurations', () => {
    const frame = { type: FrameType.TM, frameLength: 446, fecf: true } as const;
    const sink = new Collect();
    const cases: [DownlinkConfig, string][] = [
      [{ station: 'S', frame, vcids: [8] }, 'ERR_VCID'],
      [{ station: 'S', frame, reedSolomon: { interleave: 3 } }, 'ERR_FRAME_LENGTH'],
      [{ station: 'S', frame, maxPacketBytes: 6 }, 'ERR_PACKET_CAP'],
      [{ station: 'S', frame, time: new Map([[2048, { pField: [0x1e], epochUs: 0 }]]) }, 'ERR_APID'],
      [{ station: 'S', frame, sync: { flywheel: -1 } }, 'ERR_SYNC_CONFIG'],
    ];
    for (const [config, code] of cases) {
      expect(() => new DownlinkPipeline(config, sink), code)
        .to.throw(CcsdsError)
        .with.property('code', code);
    }
  });
});
