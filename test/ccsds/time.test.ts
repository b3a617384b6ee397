import { expect } from 'chai';
import { CcsdsError } from '../../src/ccsds/errors.ts';
import { CucDecoder, EPOCH_1958_US, parseCucPField } from '../../src/ccsds/time.ts';
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
    const d = new CucDecoder({ pField: [0x1e], epochUs: EPOCH_1958_US });
    // 1_900_000_000 s after 1958-01-01 plus 0x8000/65536 s.
    const packet = hex(`080100000009${'713fb300'}8000ffff`);
    expect(d.decode(packet)).to.equal(EPOCH_1958_US + 1_900_000_000_500_000);
    expect(new Date(d.decode(packet) / 1000).toISOString()).to.equal('2018-03-17T17:46:40.500Z');
    const tai = new CucDecoder({ pField: [0x1e], epochUs: EPOCH_1958_US, leapSeconds: 37 });
    expect(tai.decode(packet)).to.equal(d.decode(packet) - 37_000_000);
    expect(d.decode(packet.subarray(0, 11)), 'too short').to.equal(0);
  });

  it('decodes an explicit P-field carried in the packet with an agency epoch', () => {
    const epochUs = Date.UTC(2000, 0, 1) * 1000;
    const d = new CucDecoder({ explicit: true, epochUs, offset: 6 });
    // P-field 0x25: id 010, 2 coarse, 1 fine; T-field 0x0102 s + 0x40/256 s.
    expect(d.decode(hex('080100000005250102404142'))).to.equal(epochUs + 258_250_000);
    expect(d.decode(hex('0801000000054e0102')), 'not a CUC P-field').to.equal(0);
  });

  it('rejects invalid formats', () => {
    for (const config of [
      { pField: [0x4e], epochUs: 0 },
      { pField: [0x9f], epochUs: 0 },
      { pField: [0x1e, 0x00], epochUs: 0 },
      { pField: [0x11e], epochUs: 0 },
      { pField: [0x1e], epochUs: Number.NaN },
      { pField: [0x1e], epochUs: 0, offset: -1 },
    ]) {
      expect(() => new CucDecoder(config), JSON.stringify(config))
        .to.throw(CcsdsError)
        .with.property('code', 'ERR_TIME_FORMAT');
    }
  });
});
