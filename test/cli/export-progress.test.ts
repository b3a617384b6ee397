import { expect } from 'chai';
import { formatMiB, ProgressBar, progressBar, progressLine } from '../../src/cli/progress.ts';

describe('scs export progress bar', () => {
  const from = Date.UTC(2026, 0, 1) * 1000;
  const to = from + 100_000_000;

  it('shows the share of the time range, records, bytes and the time reached, cut to the width', () => {
    const line = progressLine({ records: 12_345, bytes: 3 * 1024 * 1024, time: from + 25_000_000 }, from, to);
    expect(line).to.equal(`[######..................]  25%  12,345 records  3.00 MiB  2026-01-01T00:00:25Z`);
    expect(progressLine({ records: 0, bytes: 0, time: from }, from, to, 20)).to.have.length(19);
    expect(progressLine({ records: 1, bytes: 1, time: to + 5 }, from, to)).to.include('100%');
    expect(formatMiB(1023)).to.equal('0.00 MiB');
    expect(formatMiB(1_572_864)).to.equal('1.50 MiB');
    expect(formatMiB(123 * 1_048_576)).to.equal('123.0 MiB');
  });

  it('redraws at most every 100 ms and erases itself; nothing off a terminal', () => {
    const writes: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ write: (s) => writes.push(s) > 0, columns: 120 }, from, to, () => now);
    bar.update({ records: 1, bytes: 1, time: from });
    now = 50;
    bar.update({ records: 2, bytes: 2, time: from });
    now = 100;
    bar.update({ records: 3, bytes: 3, time: from });
    bar.clear();
    expect(writes).to.have.length(3);
    expect(writes[1]).to.equal(`\r\x1b[K[${'.'.repeat(24)}]   0%  3 records  0.00 MiB  2026-01-01T00:00:00Z`);
    expect(writes[2]).to.equal('\r\x1b[K');
    expect(progressBar({ write: () => true }, from, to)).to.equal(null);
    expect(progressBar({ write: () => true, isTTY: true }, from, to)).to.be.instanceOf(ProgressBar);
  });
});
