import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type ProcessRun, runProcess, SCS_CLI } from '../support/process.ts';
import { frame, startTestServer } from '../support/server.ts';

const RUN_TAIL = fileURLToPath(new URL('./run-tail.ts', import.meta.url));

/**
 * Runs `scs tail` as a process; `onConnected` runs once it says it is connected. `closedStdout`:
 * through src/cli.ts, with the reader of stdout gone at once (`scs tail … | head -0`).
 */
function tail(args: string[], onConnected: () => void, closedStdout = false): Promise<ProcessRun> {
  let connected = false;
  return runProcess(process.execPath, closedStdout ? [SCS_CLI, 'tail', ...args] : [RUN_TAIL, ...args], {
    env: { SCS_TOKEN: 'alpha-secret' },
    closedStdout,
    onStderr: (stderr) => {
      if (connected || !stderr.includes('connected to')) return;
      connected = true;
      onConnected();
    },
  });
}

describe('scs tail as a process', () => {
  it('prints JSON Lines and exits 0 after --count records; exits 4 when the server goes away', async () => {
    const [server, doomed] = await Promise.all([startTestServer(), startTestServer()]);
    try {
      const common = ['--agency', 'alpha', '--stream', 'frames', '--json'];
      const [done, lost] = await Promise.all([
        tail([...common, '--port', String(server.port), '--count', '2'], () => {
          void server.inject([frame(1), frame(2)]);
        }),
        tail([...common, '--port', String(doomed.port), '--retries', '0'], () => {
          void doomed.close();
        }),
      ]);
      expect(done.code).to.equal(0);
      const records = done.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { vcfc: number });
      expect(records.map((r) => r.vcfc)).to.deep.equal([1, 2]);

      expect(lost.code).to.equal(4);
      expect(lost.stdout).to.equal('');
      const last = lost.stderr.trim().split('\n').at(-1);
      expect(last).to.match(/^scs tail: connection to 127\.0\.0\.1:\d+ lost: server sent BYE SHUTDOWN$/);
    } finally {
      await Promise.all([server.close(), doomed.close()]);
    }
  });

  it('src/cli.ts: a stdout closed by its reader ends the tail quietly with exit 0', async () => {
    const server = await startTestServer();
    try {
      const args = ['--agency', 'alpha', '--stream', 'frames', '--port', String(server.port)];
      const r = await tail(args, () => void server.inject([frame(1), frame(2)]), true);
      expect(r.code, r.stderr).to.equal(0);
      // Notices only (no error line), and no 'lost' for the session it ended itself.
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).to.match(/^scs tail: connected to /);
      expect(
        lines.slice(1).filter((l) => l !== 'scs tail: live'),
        r.stderr,
      ).to.deep.equal([]);
    } finally {
      await server.close();
    }
  });
});
