// The command-line fixes of issue 18, each run as a process: scs token's prompt, tail's notices
// (quiet end at --count, BYE reasons, no freshness chatter on sparse streams, an HTTP port named
// as such), export and fetch writing the same fields, and unknown options answered with the
// nearest one.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { verifyToken } from '../../src/config/token.ts';
import { runProcess, SCS_CLI, scs } from '../support/process.ts';
import { event, frame, packet, startTestServer } from '../support/server.ts';

const ALPHA = { SCS_AGENCY: 'alpha', SCS_TOKEN: 'alpha-secret' };

/** Runs `scs tail`; `onConnected` runs once it says it is connected. */
function tail(args: string[], onConnected: () => void) {
  let connected = false;
  return runProcess(process.execPath, [SCS_CLI, 'tail', ...args], {
    env: ALPHA,
    onStderr: (stderr) => {
      if (connected || !stderr.includes('connected to')) return;
      connected = true;
      onConnected();
    },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('command-line fixes (issue 18, run as processes)', function () {
  this.timeout(60_000);

  describe('scs token', () => {
    it('from a pipe: hashes the first line at once, without waiting for the end of input', async () => {
      const child = spawn(process.execPath, [SCS_CLI, 'token'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stdin.write('piped-secret-1\n'); // and the pipe stays open
      const code = await new Promise((resolve) => child.once('exit', resolve));
      child.stdin.destroy();
      expect(code).to.equal(0);
      expect(verifyToken('piped-secret-1', out.trim())).to.equal(true);
    });

    it('on a terminal: prompts, does not show what is typed, ends at Enter', async () => {
      // script(1) runs the command on a pseudo-terminal fed from its stdin.
      const child = spawn(
        'script',
        ['-E', 'never', '-qec', `${process.execPath} ${SCS_CLI} token`, '/dev/null'],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let out = '';
      const prompted = new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Token (not shown): ')) resolve();
        });
      });
      await prompted;
      child.stdin.write('typed-secret-1\r');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      child.stdin.destroy();
      expect(code).to.equal(0);
      expect(out).to.not.include('typed-secret-1');
      const hash = out.trim().split(/\r?\n/).at(-1)!;
      expect(verifyToken('typed-secret-1', hash)).to.equal(true);
    });
  });

  describe('scs tail', () => {
    it('--count N ends quietly: records on stdout, only the connection notice on stderr', async () => {
      const server = await startTestServer();
      try {
        const r = await tail(['--stream', 'frames', '--port', String(server.port), '--count', '2'], () => {
          void server.inject([frame(1), frame(2), frame(3)]);
        });
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout.trim().split('\n')).to.have.length(2);
        expect(r.stderr.trim().split('\n')).to.have.length(1);
        expect(r.stderr).to.match(/^scs tail: connected to /);
      } finally {
        await server.close();
      }
    });

    it('says why the server ended the session (BYE reason, in words)', async () => {
      const server = await startTestServer();
      const r = await tail(['--stream', 'frames', '--port', String(server.port), '--retries', '1'], () => {
        void server.close();
      });
      expect(r.code).to.equal(4);
      expect(r.stderr).to.include(
        'scs tail: disconnected: server sent BYE SHUTDOWN (the server is shutting down)\n',
      );
    });

    it('does not print freshness after every event of a sparse stream', async () => {
      // A 200 ms heartbeat: the feed goes stale between events 500 ms apart.
      const server = await startTestServer({ server: { heartbeatMs: 200 } });
      try {
        const r = await tail(['--stream', 'events', '--port', String(server.port), '--count', '3'], () => {
          void (async () => {
            for (const m of ['one', 'two', 'three']) {
              await server.inject([event('INFO', m)]);
              await sleep(500);
            }
          })();
        });
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout.trim().split('\n')).to.have.length(3);
        expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
        expect(r.stderr).to.not.match(/stale|live/);
      } finally {
        await server.close();
      }
    });

    it('pointed at an HTTP port, says so in one line (exit 4) instead of retrying', async () => {
      const server = await startTestServer();
      try {
        const r = await scs(['tail', '--port', String(server.httpPort)], { env: ALPHA });
        expect(r.code).to.equal(4);
        expect(r.stderr.trim().split('\n')).to.have.length(1);
        expect(r.stderr).to.match(/answers in HTTP: it is not an SCS client port/);
      } finally {
        await server.close();
      }
    });
  });

  it('fetch writes the same fields as export, record for record', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-fixes-'));
    const server = await startTestServer({ stateDir, archive: { enabled: true, commitMs: 20 } });
    try {
      const packets = Array.from({ length: 10 }, (_, n) => packet(n, 100, 1));
      const from = packets[0]!.rec.ert;
      await server.inject(packets);
      const args = ['--stream', 'packets', '--from', String(from), '--format', 'jsonl', '--quiet'];
      const archive = join(stateDir, 'archive.sqlite');
      let exported = await scs(['export', '--archive', archive, ...args]);
      for (let i = 0; i < 100 && exported.stdout.trim().split('\n').length < 10; i++) {
        await sleep(50);
        exported = await scs(['export', '--archive', archive, ...args]);
      }
      const fetched = await scs(['fetch', '--port', String(server.port), ...args], { env: ALPHA });
      expect(fetched.code, fetched.stderr).to.equal(0);
      expect(exported.stdout.trim().split('\n')).to.have.length(10);
      expect(fetched.stdout).to.equal(exported.stdout);
    } finally {
      await server.close();
    }
  });

  it('an unknown option is answered with the nearest one (exit 2)', async () => {
    const [tailRun, serveRun, exportRun] = await Promise.all([
      scs(['tail', '--cout', '3']),
      scs(['serve', '--prot', '7300']),
      scs(['export', '--form', 'now-1h']),
    ]);
    expect(tailRun.code).to.equal(2);
    expect(tailRun.stderr).to.equal("scs tail: unknown option '--cout' (did you mean --count?)\n");
    expect(serveRun.code).to.equal(2);
    expect(serveRun.stderr).to.equal("scs: unknown option '--prot' (did you mean --port?)\n");
    expect(exportRun.stderr).to.equal("scs export: unknown option '--form' (did you mean --from?)\n");
  });
});
