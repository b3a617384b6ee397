import { expect } from 'chai';
import { crc16Ccitt } from '../../src/acquisition/crc16.ts';
import { CcsdsError } from '../../src/ccsds/errors.ts';
import {
  FHP_NO_HEADER,
  FrameLayout,
  type FrameLayoutConfig,
  FrameType,
  newFrameHeader,
  parseClcw,
} from '../../src/ccsds/frame.ts';
import { hex } from './support.ts';

function withFecf(frame: Uint8Array): Uint8Array {
  const crc = crc16Ccitt(frame, 0, frame.length - 2);
  frame[frame.length - 2] = crc >>> 8;
  frame[frame.length - 1] = crc & 0xff;
  return frame;
}

// TM frame, 132.0-B figure 4-2: version 00, SCID 0x2A5, VCID 5, OCF flag 1 -> 0x2A5B;
// MC count 0x12, VC count 0x34; data field status: secondary header 1, sync 0, order 0,
// segment length id 11, FHP 5 -> 0x9805; secondary header id octet 0x03 (version 00, 4 octets).
const TM = hex(
  '2a5b1234' +
    '9805' +
    '03aabbcc' + // secondary header (4 octets)
    '0102030405060708090a0b0c0d0e0f10' + // data field, 16 octets
    '010ca42a' + // OCF: a CLCW
    '0000', // FECF
);

describe('ccsds transfer frames', () => {
  it('parses a TM frame built from the 132.0 layout', () => {
    const frame = withFecf(TM.slice());
    const layout = new FrameLayout({ type: FrameType.TM, frameLength: 32, fecf: true, scid: 0x2a5 });
    const h = newFrameHeader();
    expect(layout.parse(frame, h)).to.equal(true);
    expect(h).to.deep.include({
      version: 0,
      scid: 0x2a5,
      vcid: 5,
      mcfc: 0x12,
      vcfc: 0x34,
      vcfcModulus: 256,
      secondaryHeader: true,
      syncFlag: false,
      firstHeaderPointer: 5,
      dataStart: 10,
      dataEnd: 26,
      ocfOffset: 26,
    });
    expect(layout.checkFecf(frame)).to.equal(true);
    frame[12]! ^= 0x40;
    expect(layout.checkFecf(frame)).to.equal(false);
  });

  it('parses the CLCW of the operational control field (232.0 layout)', () => {
    // 0x01: type 0, version 00, status 000, COP 01; 0x0C: VCID 3; 0xA4: no RF, lockout, FARM-B 2; 0x2A: report.
    expect(parseClcw(TM, 26)).to.deep.equal({
      version: 0,
      status: 0,
      copInEffect: 1,
      vcid: 3,
      noRfAvailable: true,
      noBitLock: false,
      lockout: true,
      wait: false,
      retransmit: false,
      farmBCounter: 2,
      reportValue: 0x2a,
    });
    expect(parseClcw(hex('80000000'), 0), 'a type-2 report is not a CLCW').to.equal(null);
  });

  it('flags TM header errors: version, spacecraft id, length, pointer outside the data field', () => {
    const layout = new FrameLayout({ type: FrameType.TM, frameLength: 32, fecf: true, scid: 0x2a5 });
    const h = newFrameHeader();
    /** Parses TM with the given octets replaced. */
    const parse = (...edits: [number, number][]) => {
      const f = TM.slice();
      for (const [at, v] of edits) f[at] = v;
      return layout.parse(f, h);
    };
    expect(parse()).to.equal(true);
    expect(parse([0, 0x6a]), 'version 01').to.equal(false);
    expect(parse([1, 0x4b]), 'spacecraft id 0x2A4').to.equal(false);
    expect(layout.parse(TM.subarray(0, 31), h), 'length').to.equal(false);
    expect(parse([5, 16]), 'pointer past the data field').to.equal(false);
    expect(parse([5, 15])).to.equal(true);
    expect(parse([4, 0x9f], [5, 0xff])).to.equal(true);
    expect(h.firstHeaderPointer).to.equal(FHP_NO_HEADER);
    expect(parse([6, 0x3f]), 'a 64-octet secondary header overruns the frame').to.equal(false);
    expect(layout.parse(new Uint8Array(3), h)).to.equal(false);
    expect([h.scid, h.vcid, h.vcfc]).to.deep.equal([0, 0, 0]);
  });

  it('parses an AOS frame built from the 732.0 layout, with the frame count cycle', () => {
    // Version 01, SCID 0xAB, VCID 0x2C -> 0x6AEC; VC count 0x123456; signalling: replay, cycle in
    // use, cycle 5 -> 0xC5; FHEC 2 octets; insert zone 3 octets; M_PDU header FHP 0x7FF.
    const frame = withFecf(hex(`6aec123456c5ffff${'010203'}07ff${'00'.repeat(10)}${'00000000'}0000`));
    const config: FrameLayoutConfig = {
      type: FrameType.AOS,
      frameLength: frame.length,
      fecf: true,
      ocf: true,
      fhec: true,
      insertZone: 3,
      scid: 0xab,
    };
    const layout = new FrameLayout(config);
    const h = newFrameHeader();
    expect(layout.parse(frame, h)).to.equal(true);
    expect(h).to.deep.include({
      version: 1,
      scid: 0xab,
      vcid: 0x2c,
      mcfc: -1,
      vcfc: 5 * 0x1000000 + 0x123456,
      vcfcModulus: 0x10000000,
      replay: true,
      firstHeaderPointer: FHP_NO_HEADER,
      dataStart: 13,
      dataEnd: 23,
      ocfOffset: 23,
    });
    expect(layout.checkFecf(frame)).to.equal(true);
    frame[5] = 0x05;
    layout.parse(frame, h);
    expect([h.vcfc, h.vcfcModulus, h.replay]).to.deep.equal([0x123456, 0x1000000, false]);
    frame[0] = 0x2a;
    expect(layout.parse(frame, h), 'TM version on an AOS link').to.equal(false);
  });

  it('detects idle frames: TM VC 7 or as configured, AOS VC 63', () => {
    const h = newFrameHeader();
    const tm = new FrameLayout({ type: FrameType.TM, frameLength: 32, fecf: false });
    const custom = new FrameLayout({ type: FrameType.TM, frameLength: 32, fecf: false, idleVcid: 6 });
    const none = new FrameLayout({ type: FrameType.TM, frameLength: 32, fecf: false, idleVcid: null });
    const aos = new FrameLayout({ type: FrameType.AOS, frameLength: 32, fecf: false });
    h.vcid = 7;
    expect([tm.isIdle(h), custom.isIdle(h), none.isIdle(h), aos.isIdle(h)]).to.deep.equal([
      true,
      false,
      false,
      false,
    ]);
    h.vcid = 63;
    expect(aos.isIdle(h)).to.equal(true);
  });

  it('rejects bad layouts', () => {
    const cases: [FrameLayoutConfig, string][] = [
      [{ type: FrameType.TM, frameLength: 12, fecf: true }, 'ERR_FRAME_LENGTH'],
      [{ type: FrameType.TM, frameLength: 2049, fecf: true }, 'ERR_FRAME_LENGTH'],
      [{ type: FrameType.AOS, frameLength: 100, fecf: false, insertZone: 95 }, 'ERR_FRAME_LENGTH'],
      [{ type: FrameType.TM, frameLength: 100, fecf: false, scid: 1024 }, 'ERR_SPACECRAFT_ID'],
      [{ type: FrameType.AOS, frameLength: 100, fecf: false, scid: 256 }, 'ERR_SPACECRAFT_ID'],
      [{ type: FrameType.TM, frameLength: 100, fecf: false, insertZone: 2 }, 'ERR_FRAME_LAYOUT'],
      [{ type: FrameType.AOS, frameLength: 100, fecf: false, insertZone: -1 }, 'ERR_FRAME_LAYOUT'],
      [{ type: FrameType.TM, frameLength: 100, fecf: false, idleVcid: 8 }, 'ERR_VCID'],
    ];
    for (const [config, code] of cases) {
      expect(() => new FrameLayout(config), JSON.stringify(config))
        .to.throw(CcsdsError)
        .with.property('code', code);
    }
  });
});
