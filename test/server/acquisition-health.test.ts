import { expect } from 'chai';
import type { ScsServer } from '../../src/server/server.ts';
import { sample, startTestServer } from '../support/server.ts';

async function health(server: ScsServer): Promise<{ status: number; detail: Record<string, unknown> }> {
  const r = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
  const body = (await r.json()) as { detail: Record<string, unknown> };
  return { status: r.status, detail: body.detail };
}

describe('server/acquisition health', () => {
  it('/healthz reports acquisition down, with the error code, until the restart brings it back', async () => {
    const server = await startTestServer();
    try {
      expect(await health(server)).to.deep.include({ status: 200 });
      // A sample for a parameter index the dictionary lacks makes the source fail: the thread dies.
      const bad = sample(0, 1);
      bad.rec.param = 10_000;
      await server.inject([bad]).catch(() => undefined);
      const down = await health(server);
      expect(down.status).to.equal(503);
      expect(down.detail).to.include({ acquisition: false, acquisitionError: 'ERR_UNKNOWN_PARAMETER' });
      // The first restart is due within 0.5 s (the server's own clock): poll for it, bounded.
      let up = down;
      for (let i = 0; i < 40 && up.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        up = await health(server);
      }
      expect(up.status).to.equal(200);
      expect(up.detail).to.include({ acquisition: true }).and.not.have.property('acquisitionError');
      await server.inject([sample(0, 1)]);
    } finally {
      await server.close();
    }
  });
});
