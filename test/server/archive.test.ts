import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { collectRecords, connect, frame, request, startTestServer } from '../support/server.ts';

describe('archive recording (issue 4, wired into the server)', function () {
  this.timeout(30_000);

  it('keeps seq across a server restart: the next records continue after the archived ones', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-archive-'));
    const runs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const server = await startTestServer({ stateDir, archive: { enabled: true, commitMs: 20 } });
      try {
        const c = await connect(server);
        await c.request(request());
        await server.inject([frame(1), frame(2), frame(3)]);
        runs.push((await collectRecords(c, 3)).map((r) => r.seq as number));
        await c.close();
      } finally {
        await server.close();
      }
    }
    expect(runs[0]).to.deep.equal([1, 2, 3]);
    expect(runs[1]).to.deep.equal([4, 5, 6]);
  });

  it('reports the archive in /healthz', async () => {
    const server = await startTestServer({ archive: { enabled: true } });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).json()) as {
        detail: { archive: unknown };
      };
      expect(health.detail.archive).to.equal(true);
    } finally {
      await server.close();
    }
  });
});
