import { expect } from 'chai';
import { FrameType } from '../../src/ccsds/frame.ts';
import { PacketFramer } from '../../src/ccsds/framer.ts';
import { DownlinkPipeline } from '../../src/ccsds/pipeline.ts';
import { PacketSwap, swapPacket } from '../../src/ccsds/swap.ts';
import { createTimeDecoder, EPOCH_1958_US, type TimeCodeConfig } from '../../src/ccsds/time.ts';
import { Collect, hex } from './support.ts';

describe('ccsds swap correction and counter time codes', () => {
  it('swaps the data field by 16-bit words, 32-bit halves or whole 32-bit words, leaving partial words', () => {
    const packet = () => hex('0801c0000008' + '0011223344556677' + '88');
    const bytes = packet();
    swapPacket(bytes, PacketSwap.BYTES);
    expect(bytes).to.deep.equal(hex('0801c0000008' + '1100332255447766' + '88'));
    const words = packet();
    swapPacket(words, PacketSwap.WORDS);
    expect(words).to.deep.equal(hex('0801c0000008' + '2233001166774455' + '88'));
    const both = packet();
    swapPacket(both, PacketSwap.BOTH);
    expect(both).to.deep.equal(hex('0801c0000008' + '3322110077665544' + '88'));
  });

  it('decodes a plain binary counter of any unit from an epoch, and rejects bad formats', () => {
    const d = createTimeDecoder({ counter: { octets: 8, unitUs: 1 }, epochUs: 0 });
    expect(d.decode(hex('080100000009' + '0006443fd9c2a000'))).to.equal(0x6443fd9c2a000);
    const ms = createTimeDecoder({ counter: { octets: 4, unitUs: 1000 }, epochUs: 5, offset: 7 });
    expect(ms.decode(hex('08010000000900' + '00000102'))).to.equal(5 + 258_000);
    expect(ms.decode(hex('080100000009000001')), 'too short').to.equal(0);
    for (const counter of [
      { octets: 0, unitUs: 1 },
      { octets: 9, unitUs: 1 },
      { octets: 4, unitUs: 0 },
    ]) {
      expect(() => createTimeDecoder({ counter, epochUs: 0 }))
        .to.throw()
        .with.property('code', 'ERR_TIME_FORMAT');
    }
  });

  it('gives scet 0, never a negative or inexact time, for a clock before 1970 or a damaged count', () => {
    const framer = new PacketFramer({ type: FrameType.TM, frameLength: 64, scid: 5, fecf: true });
    const packets = [
      hex('080ac0000007' + '00000010' + '8000' + 'abcd'), // CUC 4+2: 16.5 s after 1958
      hex('080bc0010009' + 'ffffffffffffffff' + 'abcd'), // a 64-bit µs count past 2^53
      hex('080bc0020009' + '0000000000000003' + 'abcd'), // 3 units of 0.4 µs: 1.2 µs
    ];
    const cadus = [...packets.flatMap((p) => framer.packet(0, p)), ...framer.flush(0)].map((f) => f.cadu);
    const out = new Collect();
    const pipeline = new DownlinkPipeline(
      {
        station: 'GS',
        frame: { type: FrameType.TM, frameLength: 64, fecf: true },
        time: new Map<number, TimeCodeConfig>([
          [10, { pField: [0x1e], epochUs: EPOCH_1958_US }],
          [11, { counter: { octets: 8, unitUs: 0.4 }, epochUs: 0 }],
        ]),
      },
      out,
    );
    for (const c of cadus) pipeline.push(c, 7);
    expect(out.packets.map((p) => p.scet)).to.deep.equal([0, 0, 1]);
  });

  it('corrects swapped packets per APID before their time is read, never touching the input', () => {
    const framer = new PacketFramer({ type: FrameType.TM, frameLength: 64, scid: 5, fecf: true });
    // The flight system swapped the octets of every 16-bit word of APID 10; APID 11 is as sent.
    const swapped = hex('080ac0000009' + '00000000000000ff' + 'abcd');
    const plain = hex('080bc0000009' + '00000000000000ff' + 'abcd');
    swapPacket(swapped, PacketSwap.BYTES);
    const cadus = [...framer.packet(0, swapped), ...framer.packet(0, plain), ...framer.flush(0)].map(
      (f) => f.cadu,
    );
    const sent = cadus.map((c) => c.slice());
    const out = new Collect();
    const counter = { counter: { octets: 8, unitUs: 1 }, epochUs: 1000 };
    const pipeline = new DownlinkPipeline(
      {
        station: 'GS',
        frame: { type: FrameType.TM, frameLength: 64, fecf: true },
        time: new Map([
          [10, counter],
          [11, counter],
        ]),
        swap: new Map([[10, PacketSwap.BYTES]]),
      },
      out,
    );
    for (const c of cadus) pipeline.push(c, 7);
    expect(out.packets.map((p) => [p.apid, p.scet])).to.deep.equal([
      [10, 1255],
      [11, 1255],
    ]);
    expect(out.packets[0]!.data).to.deep.equal(plain.map((b, i) => (i === 1 ? 0x0a : b)));
    expect(cadus).to.deep.equal(sent);
    expect(
      () =>
        new DownlinkPipeline(
          {
            station: 'GS',
            frame: { type: FrameType.TM, frameLength: 64, fecf: true },
            swap: new Map([[10, 'nibbles' as PacketSwap]]),
          },
          out,
        ),
    )
      .to.throw()
      .with.property('code', 'ERR_SWAP');
  });
});
