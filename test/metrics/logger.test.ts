import { expect } from 'chai';
import { createLogger, silentLogger } from '../../src/util/logger.ts';

function capture(): { lines: Record<string, unknown>[]; write(msg: string): void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (msg) => lines.push(JSON.parse(msg) as Record<string, unknown>) };
}

describe('util/logger', () => {
  it('writes one JSON object per line with name, level and ISO time', () => {
    const dest = capture();
    const log = createLogger({ level: 'info', name: 'scs', destination: dest });
    log.info({ port: 7000 }, 'listening');
    log.debug('hidden below the level');
    expect(dest.lines).to.have.length(1);
    const [line] = dest.lines;
    expect(line).to.include({ name: 'scs', level: 30, port: 7000, msg: 'listening' });
    expect(new Date(line.time as string).toISOString()).to.equal(line.time);
  });

  it('never writes an agency token', () => {
    const dest = capture();
    const log = createLogger({ level: 'info', destination: dest });
    log.info({ token: 's3cret', request: { agency: 'esa', token: 's3cret' } }, 'request');
    const text = JSON.stringify(dest.lines);
    expect(text).not.to.include('s3cret');
    expect(dest.lines[0]).to.deep.include({
      token: '[redacted]',
      request: { agency: 'esa', token: '[redacted]' },
    });
  });

  it('has a silent logger for tests', () => {
    const log = silentLogger();
    expect(log.level).to.equal('silent');
    expect(log.isLevelEnabled('fatal')).to.equal(false);
  });
});
