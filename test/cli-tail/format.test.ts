import { expect } from 'chai';
import { humanLine, jsonLine } from '../../src/cli/tail-format.ts';

describe('scs tail: human-readable values', () => {
  const base = { seq: 9, ert: 0, scet: 0, name: 'EPS.SA_V', unit: 'V', limit: 'OK', quality: 0 } as const;

  it('prints calibrated floats without binary noise, and integers and raw values as they are', () => {
    const line = humanLine('parameters', { ...base, raw: 33544, eng: 33.544000000000004 });
    expect(line).to.contain('EPS.SA_V = 33.544 V OK raw=33544');
  });

  it('keeps every digit in JSON Lines', () => {
    expect(jsonLine({ ...base, raw: 33544, eng: 33.544000000000004 })).to.contain('33.544000000000004');
  });
});
