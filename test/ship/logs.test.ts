// The log lines an operator reads, from `scs serve` run as a process: loss and acquisition of
// signal and frame sync changes; NAK lines that name the agency; "session closed" lines with the
// duration, what was sent and skipped, and the reason in words.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import { freePort } from '../support/ports.ts';
import { SCS_CLI } from '../support/process.ts';

type Line = Record<string, unknown> & { msg: string };

class ServerLog {
  readonly lines: Line[] = [];
  #waiters: { match: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  #buf = '';

  constructor(child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => {
      this.#buf += d.toString();
      let nl = this.#buf.indexOf('\n');
      while (nl >= 0) {
        const text = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        nl = this.#buf.indexOf('\n');
        if (text.startsWith('{')) this.#add(JSON.parse(text) as Line);
      }
    });
  }

  next(match: (l: Line) => boolean, ms = 15_000): Promise<Line> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such log line within ${ms} ms`)), ms);
      this.#waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  #add(line: Line): void {
    this.lines.push(line);
    for (const w of [...this.#waiters]) {
      if (!w.match(line)) continue;
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(line);
    }
  }
}

describe('operator log lines (scs serve as a process)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'scs-logs-'));
  let child: ChildProcess;
  let log: ServerLog;
  let port = 0;

  before(async () => {
    port = await freePort();
    const config = join(dir, 'scs.json');
    // A pass every 3 s with a 1 s break: LOS and AOS come quickly.
    writeFileSync(
      config,
      JSON.stringify({
        server: { port, httpPort: await freePort(), stateDir: join(dir, 'var') },
        simulator: { dataBreaks: { everySec: 3, durationSec: 1 } },
      }),
    );
    child = spawn(process.execPath, [SCS_CLI, 'serve', '--config', config], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    log = new ServerLog(child);
    await log.next((l) => l.msg === 'SCS listening', 30_000);
  });

  after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs loss and acquisition of signal and frame sync lock, with the link and station', async () => {
    const los = await log.next((l) => l.msg.startsWith('loss of signal (LOS)'));
    expect(los).to.include({ link: 'simulator', station: 'SIM' });
    expect(los.level).to.equal(40);
    const aos = await log.next((l) => l.msg.startsWith('acquisition of signal (AOS)') && l.time! > los.time!);
    expect(aos).to.include({ link: 'simulator', station: 'SIM' });
    const lock = await log.next((l) => l.msg.startsWith('frame sync locked') && l.time! >= aos.time!);
    expect(lock).to.include({ link: 'simulator' });
  });

  it('a NAK line names the agency the REQUEST gave, admitted or not', async () => {
    const client = await ScsClient.connect({ host: '127.0.0.1', port });
    await client
      .request({
        agency: 'science',
        token: 'not-the-token',
        client: 'log-test',
        stream: 'events',
        mode: 'realtime',
      })
      .catch(() => undefined);
    await client.close();
    // Never admitted: the refusal line (one per address and code per interval) carries it.
    const nak = await log.next((l) => l.msg === 'refused' && l.code === 'AUTH_FAILED');
    expect(nak.agency).to.equal('science');
  });

  it('"session closed" says how long, how many records and bytes, skipped, and why in words', async () => {
    const client = await ScsClient.connect({ host: '127.0.0.1', port });
    const ack = await client.request({
      agency: 'analysis',
      token: 'analysis-demo',
      client: 'log-test',
      stream: 'parameters',
      mode: 'realtime',
    });
    let data = 0;
    for await (const m of client.messages()) {
      if (m.type === MessageType.DATA && ++data === 3) break;
    }
    await client.bye();
    const closed = await log.next((l) => l.msg.startsWith('session closed') && l.clientId === ack.clientId);
    expect(closed).to.include({ agency: 'analysis', reason: 'client CLIENT', skipped: 0 });
    expect(closed.msg).to.equal('session closed: the client said goodbye (BYE CLIENT)');
    expect(closed.records).to.be.a('number').greaterThan(0);
    expect(closed.bytes)
      .to.be.a('number')
      .greaterThan(closed.records as number);
    expect(closed.durationMs).to.be.a('number').at.least(0);
  });
});
