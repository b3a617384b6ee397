import { expect } from 'chai';
import { CcsdsError } from '../../src/ccsds/errors.ts';
import {
  decodeCds,
  decodeTimeField,
  EPOCH_1958_US,
  PFieldTimeDecoder,
  parseCdsPField,
  parseCucPField,
  parsePField,
  timeFieldLength,
} from '../../src/ccsds/time.ts';
import { hex } from './support.ts';

describe('ccsds unsegmented time code', () => {
  it('parses P-fields (301.0 3.2.3), with and without the extension octet', () => {
    // 0x2E: no extension, id 010 (agency epoch), 4 coarse, 2 fine.
    expect(parseCucPField(hex('2e'))).to.deep.equal({
      format: { coarseOctets: 4, fineOctets: 2 },
      length: 1,
    });
    // 0x9F 0x6C: extension, id 001, 4 coarse + 3, 3 fine + 3.
    expect(parseCucPField(hex('9f6c'))).to.deep.equal({
      format: { coarseOctets: 7, fineOctets: 6 },
      length: 2,
    });
    expect(parseCucPField(hex('4e')), 'id 100 is CDS, not CUC').to.equal(null);
    expect(parseCucPField(hex('9f')), 'missing extension octet').to.equal(null);
  });

  it('decodes an implicit 4+2 code from the 1958 epoch to µs since 1970', () => {
    const d = new PFieldTimeDecoder({ pField: [0x1e], epochUs: EPOCH_1958_US });
    // 1_900_000_000 s after 1958-01-01 plus 0x8000/65536 s.
    const packet = hex(`080100000009${'713fb300'}8000ffff`);
    expect(d.decode(packet)).to.equal(EPOCH_1958_US + 1_900_000_000_500_000);
    expect(new Date(d.decode(packet) / 1000).toISOString()).to.equal('2018-03-17T17:46:40.500Z');
    const tai = new PFieldTimeDecoder({ pField: [0x1e], epochUs: EPOCH_1958_US, leapSeconds: 37 });
    expect(tai.decode(packet)).to.equal(d.decode(packet) - 37_000_000);
    expect(d.decode(packet.subarray(0, 11)), 'too short').to.equal(0);
  });

  it('decodes an explicit P-field carried in the packet with an agency epoch', () => {
    const epochUs = Date.UTC(2000, 0, 1) * 1000;
    const d = new PFieldTimeDecoder({ explicit: true, epochUs, offset: 6 });
    // P-field 0x25: id 010, 2 coarse, 1 fine; T-field 0x0102 s + 0x40/256 s.
    expect(d.decode(hex('080100000005250102404142'))).to.equal(epochUs + 258_250_000);
    expect(d.decode(hex('0801000000054e0102')), 'a CDS P-field whose T-field runs past the packet').to.equal(
      0,
    );
    expect(d.decode(hex('080100000005700102')), 'id 111 is neither CUC nor CDS').to.equal(0);
  });

  it('rejects invalid formats', () => {
    for (const config of [
      { pField: [0x4f], epochUs: 0 },
      { pField: [0x40, 0x00], epochUs: 0 },
      { pField: [0x70], epochUs: 0 },
      { pField: [0x9f], epochUs: 0 },
      { pField: [0x1e, 0x00], epochUs: 0 },
      { pField: [0x11e], epochUs: 0 },
      { pField: [0x1e], epochUs: Number.NaN },
      { pField: [0x1e], epochUs: 0, offset: -1 },
    ]) {
      expect(() => new PFieldTimeDecoder(config), JSON.stringify(config))
        .to.throw(CcsdsError)
        .with.property('code', 'ERR_TIME_FORMAT');
    }
  });
});

// CCSDS 301.0-B-4 section 3.3: the CDS P-field is one octet, bit 0 (MSB) extension flag 0, bits 1-3
// time code id 100, bit 4 epoch (0: 1958-01-01 level 1; 1: agency epoch, level 2), bit 5 day
// segment (0: 16 bits; 1: 24 bits), bits 6-7 sub-millisecond segment (00 none, 01 16-bit µs of
// the ms, 10 32-bit ps of the ms, 11 reserved). The T-field: day, 32-bit ms of day, sub-ms.
// 1958-01-01 is day 0, so 1970-01-01 is day 4383 (12 × 365 + 3) and 2000-01-01 day 15340 (0x3BEC).
describe('ccsds day segmented time code (CDS)', () => {
  it('parses every defined P-field (301.0-B-4 3.3.2) and refuses the reserved and foreign ones', () => {
    expect(parseCdsPField(hex('40'))).to.deep.equal({
      format: { dayOctets: 2, subMsOctets: 0 },
      agencyEpoch: false,
      length: 1,
    });
    expect(parseCdsPField(hex('41'))?.format).to.deep.equal({ dayOctets: 2, subMsOctets: 2 });
    expect(parseCdsPField(hex('42'))?.format).to.deep.equal({ dayOctets: 2, subMsOctets: 4 });
    expect(parseCdsPField(hex('44'))?.format).to.deep.equal({ dayOctets: 3, subMsOctets: 0 });
    expect(parseCdsPField(hex('4e'))).to.deep.equal({
      format: { dayOctets: 3, subMsOctets: 4 },
      agencyEpoch: true,
      length: 1,
    });
    expect(parseCdsPField(hex('43')), 'sub-ms 11 is reserved').to.equal(null);
    expect(parseCdsPField(hex('c0')), 'no extension octet is defined for CDS').to.equal(null);
    expect(parseCdsPField(hex('1e')), 'a CUC P-field').to.equal(null);
    expect(parseCdsPField(hex('')), 'nothing to read').to.equal(null);
    expect(parsePField(hex('1e'))).to.deep.equal({
      format: { code: 'cuc', coarseOctets: 4, fineOctets: 2 },
      length: 1,
    });
    expect(parsePField(hex('0041'), 1)).to.deep.equal({
      format: { code: 'cds', dayOctets: 2, subMsOctets: 2 },
      length: 1,
    });
    expect(timeFieldLength({ code: 'cds', dayOctets: 3, subMsOctets: 4 })).to.equal(11);
    expect(timeFieldLength({ code: 'cuc', coarseOctets: 4, fineOctets: 2 })).to.equal(6);
  });

  it('decodes the day, ms of day, µs and ps segments from the 1958 epoch', () => {
    const f16 = { dayOctets: 2, subMsOctets: 0 } as const;
    expect(decodeCds(hex('000000000000'), 0, f16, EPOCH_1958_US)).to.equal(EPOCH_1958_US);
    expect(decodeCds(hex('111f00000000'), 0, f16, EPOCH_1958_US), 'day 4383 is 1970-01-01').to.equal(0);
    // Day 15340 (2000-01-01), 43 200 001 ms: 12:00:00.001.
    const noon = hex('3bec02932e01');
    expect(new Date(decodeCds(noon, 0, f16, EPOCH_1958_US) / 1000).toISOString()).to.equal(
      '2000-01-01T12:00:00.001Z',
    );
    // The same instant with 16-bit µs of ms = 999, then 32-bit ps of ms = 999 500 000 (rounds to 1 ms).
    const us = hex('3bec02932e0103e7');
    expect(decodeCds(us, 0, { dayOctets: 2, subMsOctets: 2 }, EPOCH_1958_US)).to.equal(
      Date.UTC(2000, 0, 1, 12, 0, 0, 1) * 1000 + 999,
    );
    const ps = hex('3bec02932e013b93c560');
    expect(0x3b93c560).to.equal(999_540_064);
    expect(decodeCds(ps, 0, { dayOctets: 2, subMsOctets: 4 }, EPOCH_1958_US)).to.equal(
      Date.UTC(2000, 0, 1, 12, 0, 0, 2) * 1000,
    );
    // A 24-bit day segment: day 0x010000 (65 536) is 2137-06-07 from 1958.
    expect(
      new Date(
        decodeCds(hex('01000000000000'), 0, { dayOctets: 3, subMsOctets: 0 }, EPOCH_1958_US) / 1000,
      ).toISOString(),
    ).to.equal('2137-06-07T00:00:00.000Z');
  });

  it('reads a T-field at an offset with an agency epoch, and refuses out-of-range segments', () => {
    const epochUs = Date.UTC(2000, 0, 1) * 1000;
    const f = { code: 'cds', dayOctets: 2, subMsOctets: 2 } as const;
    // Three octets before the T-field: day 1, 1000 ms, 5 µs.
    expect(decodeTimeField(hex('ffffff' + '0001' + '000003e8' + '0005'), 3, f, epochUs)).to.equal(
      epochUs + 86_400_000_000 + 1_000_000 + 5,
    );
    expect(decodeTimeField(hex('0001000003e800'), 0, f, epochUs), 'runs past the bytes').to.equal(0);
    const f16 = { dayOctets: 2, subMsOctets: 0 } as const;
    expect(decodeCds(hex('000005265fe8'), 0, f16, 0), 'ms 86 401 000: beyond a leap second').to.equal(0);
    expect(decodeCds(hex('00000000000003e8'), 0, { dayOctets: 2, subMsOctets: 2 }, 0), 'µs 1000').to.equal(0);
    expect(decodeCds(hex('0000000000003b9aca00'), 0, { dayOctets: 2, subMsOctets: 4 }, 0), 'ps 1e9').to.equal(
      0,
    );
    // 86 400 999 ms, the last ms of a leap second, is accepted.
    expect(decodeCds(hex('000005265fe7'), 0, f16, 0)).to.equal(86_400_999_000);
  });

  it('decodes CDS per APID in a packet, with an implicit or an explicit P-field', () => {
    // Secondary header at octet 6: day 15340, ms 43 200 001, µs 999.
    const implicit = new PFieldTimeDecoder({ pField: [0x41], epochUs: EPOCH_1958_US });
    const packet = hex('0801c000000b' + '3bec02932e0103e7' + 'aabbcc');
    expect(implicit.decode(packet)).to.equal(Date.UTC(2000, 0, 1, 12, 0, 0, 1) * 1000 + 999);
    const tai = new PFieldTimeDecoder({ pField: [0x41], epochUs: EPOCH_1958_US, leapSeconds: 32 });
    expect(tai.decode(packet)).to.equal(implicit.decode(packet) - 32_000_000);
    const explicit = new PFieldTimeDecoder({ explicit: true, epochUs: EPOCH_1958_US });
    expect(explicit.decode(hex('0801c000000c' + '41' + '3bec02932e0103e7' + 'aabbcc'))).to.equal(
      implicit.decode(packet),
    );
    expect(implicit.decode(packet.subarray(0, 13)), 'too short').to.equal(0);
  });
});
