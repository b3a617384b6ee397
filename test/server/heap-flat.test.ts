// No heap growth after warm-up (issue 12, the CI part of the soak): the main thread (listener,
// per-address limits, admission, slot bookkeeping, the server in this process) holds no more,
// after a full GC, after 1 500 more connections — refused and admitted alike — than after the
// first 500. The actor threads' heaps are not measured here (no GC can be forced there).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import type { ScsServer } from '../../src/server/server.ts';
import { connect, request, startTestServer } from '../support/server.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function churn(server: ScsServer, n: number): Promise<void> {
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, k) => {
        const c = await connect(server);
        try {
          // Refused (bad token, unknown agency) and admitted sessions alternate.
          const kind = (i + k) % 3;
          await c.request(
            kind === 0
              ? request()
              : kind === 1
                ? request({ token: 'wrong' })
                : request({ agency: `nobody-${i + k}` }),
          );
          await c.close();
        } catch {
          c.destroy();
        }
      }),
    );
  }
}

describe('heap after warm-up (issue 12)', function () {
  this.timeout(120_000);

  it('1 500 more connections add less than 1 MiB to the main thread heap after a full GC', async () => {
    const server = await startTestServer({ server: { actors: 1, connectRatePerIp: 1_000_000 } });
    try {
      await churn(server, 500);
      await new Promise((r) => setTimeout(r, 500));
      gc();
      const main0 = process.memoryUsage().heapUsed;
      await churn(server, 1500);
      await new Promise((r) => setTimeout(r, 500));
      gc();
      const main1 = process.memoryUsage().heapUsed;
      const growth = (main1 - main0) / 1024;
      expect(growth, `main thread heap grew ${growth.toFixed(0)} KiB`).to.be.below(1024);
    } finally {
      await server.close();
    }
  });
});
