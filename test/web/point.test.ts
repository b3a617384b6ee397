// Parameter records (msgpack, ICD §6) as Open MCT points.
import { expect } from 'chai';
import { pack } from '../../protocol/msgpack.ts';
import type { ParameterInfo } from '../../src/acquisition/source.ts';
import { decodePoint } from '../../src/web/point.ts';

const base = { seq: 7, scet: 1_700_000_000_000_000, ert: 1_700_000_000_500_250, limit: 'OK', quality: 3 };

describe('Open MCT points (issue 6)', () => {
  it('carries the seed fields, ms times and the engineering value', () => {
    const p = decodePoint(pack({ ...base, name: 'EPS.BUS_V', raw: 2870, eng: 28.7, unit: 'V' }), undefined);
    expect(p).to.deep.equal({
      id: 'EPS.BUS_V',
      name: 'EPS.BUS_V',
      timestamp: 1_700_000_000_500.25,
      scet: 1_700_000_000_000,
      value: 28.7,
      eng: 28.7,
      raw_value: 2870,
      raw_type: 'int',
      flags: 3,
      quality: 'bad',
      limit: 'OK',
      seq: 7,
      unit: 'V',
    });
  });

  it('plots a state as its index in the enumeration and a flag as 0/1, keeping the text in eng', () => {
    const info: ParameterInfo = { name: 'AOCS.MODE', type: 'state', states: ['SAFE', 'NOMINAL', 'SCIENCE'] };
    const state = decodePoint(
      pack({ ...base, name: 'AOCS.MODE', raw: 2, eng: 'SCIENCE', limit: 'STATE_ALARM' }),
      info,
    );
    expect(state).to.include({ value: 2, eng: 'SCIENCE', raw_type: 'int', limit: 'STATE_ALARM' });
    const unknown = decodePoint(pack({ ...base, name: 'AOCS.MODE', raw: 9, eng: 'BOOT' }), info);
    expect(unknown).to.include({ value: 'BOOT' });
    const flag = decodePoint(pack({ ...base, name: 'X.ON', raw: true, eng: false }), {
      name: 'X.ON',
      type: 'bool',
    });
    expect(flag).to.include({ value: 0, eng: false, raw_value: true, raw_type: 'bool' });
  });

  it('gives binary raw values as hex, and null for bytes that are not a parameter record', () => {
    const bin = decodePoint(
      pack({ ...base, name: 'X.BLOB', raw: new Uint8Array([0xca, 0xfe]), eng: 1.5 }),
      undefined,
    );
    expect(bin).to.include({ raw_value: 'cafe', raw_type: 'binary', value: 1.5 });
    expect(decodePoint(pack({ seq: 1, name: 'X' }), undefined)).to.equal(null);
    expect(decodePoint(new Uint8Array([0xc1]), undefined)).to.equal(null);
  });
});
