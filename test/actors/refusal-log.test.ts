// Refused connections are logged per address and interval (issue 12: one ≈ 430-byte info
// line per refused connection, 205 MB for a 476 k-connection fuzz run).
import { expect } from 'chai';
import { REFUSAL_LOG_INTERVAL_MS, RefusalLog } from '../../src/actors/refusal-log.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { LogCapture } from '../support/log-capture.ts';

interface Line {
  msg: string;
  remote?: string;
  code?: string;
  refused?: number;
}

describe('refusal log (issue 12)', () => {
  it('10 000 refusals from one address in an interval: one line at once, one summary at its end', () => {
    const capture = new LogCapture<Line>();
    const clock = new FakeClock(0);
    const log = new RefusalLog(capture.logger, clock);
    for (let i = 0; i < 10_000; i++) log.note('10.0.0.1', 'AUTH_FAILED', 'unknown agency or bad token');
    log.note('10.0.0.2', 'MALFORMED', 'bad sync marker');
    expect(capture.lines.map((l) => [l.msg, l.remote])).to.deep.equal([
      ['refused', '10.0.0.1'],
      ['refused', '10.0.0.2'],
    ]);
    clock.advance(REFUSAL_LOG_INTERVAL_MS);
    expect(capture.lines).to.have.length(3);
    expect(capture.lines[2]).to.include({
      msg: 'refused, more of the same',
      remote: '10.0.0.1',
      refused: 9_999,
    });
    // A new interval: the next refusal is logged at once again.
    log.note('10.0.0.1', 'AUTH_FAILED', 'unknown agency or bad token');
    expect(capture.lines).to.have.length(4);
  });

  it('a scan from very many addresses stays bounded: the excess is one "other addresses" line', () => {
    const capture = new LogCapture<Line>();
    const clock = new FakeClock(0);
    const log = new RefusalLog(capture.logger, clock);
    for (let i = 0; i < 50_000; i++)
      log.note(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'MALFORMED', 'x');
    clock.advance(REFUSAL_LOG_INTERVAL_MS);
    expect(capture.lines.length).to.be.at.most(1025 + 1);
    const other = capture.lines.find((l) => l.remote === '(other addresses)' && l.refused !== undefined);
    expect(other?.refused).to.equal(50_000 - 1025);
  });
});
