import { expect } from 'chai';
import { checkRequest, MAX_GLOBS, parseTimeUs } from '../../src/actors/request.ts';
import { request } from '../support/server.ts';

const reason = (body: unknown) => {
  const r = checkRequest(body);
  return r.ok ? 'ok' : r.reason;
};

describe('REQUEST schema step (ICD §5)', () => {
  it('parses ICD times: µs integers, ISO-8601 with a zone, to the microsecond', () => {
    expect(parseTimeUs(1_767_225_600_000_000)).to.equal(1_767_225_600_000_000);
    expect(parseTimeUs('2026-01-01T00:00:00.123456Z')).to.equal(1_767_225_600_123_456);
    expect(parseTimeUs('2026-01-01T01:00:00+01:00')).to.equal(1_767_225_600_000_000);
    expect(parseTimeUs('2026-01-01T00:00Z')).to.equal(1_767_225_600_000_000);
  });

  it('refuses times that are not real instants', () => {
    for (const bad of [
      '2024-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01',
      '2026-01-01T00:00:00',
      -1,
      1.5,
    ]) {
      expect(parseTimeUs(bad), String(bad)).to.equal(undefined);
    }
  });

  it('applies the ICD defaults', () => {
    const r = checkRequest(request());
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.request).to.include({ timeBy: 'ert', speed: 0, delivery: 'latest', minSeverity: 0 });
  });

  it('names the field of every violation', () => {
    expect(reason({ ...request(), extra: 1 })).to.equal('extra: unknown field');
    expect(reason({ ...request(), filter: { vcids: [] } })).to.contain('filter.vcids');
    expect(reason({ ...request(), filter: { vcids: [64] } })).to.contain('filter.vcids.0');
    expect(reason(request({ stream: 'frames', filter: { apids: [1] } }))).to.contain('filter.apids');
    expect(reason(request({ stream: 'events', rateHz: 1 }))).to.contain('rateHz');
    expect(reason(request({ stream: 'parameters', rateHz: 0 }))).to.contain('rateHz');
    expect(reason(request({ mode: 'archive' }))).to.contain('from');
    expect(reason(request({ mode: 'archive', from: 10, to: 5 }))).to.contain('to');
    expect(reason(request({ mode: 'archive', from: 0, since: 3 }))).to.contain('since');
    expect(reason(request({ from: '2024-02-30T00:00:00Z', mode: 'archive' }))).to.contain('from');
    expect(reason([1, 2])).to.contain('map');
  });

  it('accepts what the ICD allows: any positive rateHz, an empty client name', () => {
    expect(reason(request({ stream: 'parameters', rateHz: 5e6 }))).to.equal('ok');
    expect(reason(request({ client: '' }))).to.equal('ok');
  });

  it(`limits wildcard patterns to ${MAX_GLOBS} per REQUEST`, () => {
    const globs = Array.from({ length: MAX_GLOBS + 1 }, (_, i) => `P${i}.*`);
    expect(reason(request({ stream: 'parameters', filter: { parameters: globs } }))).to.contain('wildcard');
    expect(reason(request({ stream: 'parameters', filter: { parameters: globs.slice(1) } }))).to.equal('ok');
  });
});
