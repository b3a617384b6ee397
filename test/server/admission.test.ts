import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { NakCode } from '../../protocol/constants.ts';
import { NakError } from '../../protocol/errors.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { connect, request, startTestServer, testAgencies, testHash } from '../support/server.ts';

type Outcome = { client: ScsClient; result: string };

async function attempt(server: ScsServer, body = request()): Promise<Outcome> {
  const client = await connect(server);
  try {
    await client.request(body);
    return { client, result: 'ACK' };
  } catch (err) {
    return { client, result: err instanceof NakError ? err.code : String(err) };
  }
}

function tally(outcomes: Outcome[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of outcomes) t[o.result] = (t[o.result] ?? 0) + 1;
  return t;
}

describe('admission caps (atomic across actors)', () => {
  let server: ScsServer;
  before(async () => {
    server = await startTestServer({
      server: { actors: 2, maxClients: 30 },
      agencies: {
        ...testAgencies(),
        solo: { tokenHash: testHash('solo-secret'), maxConnections: 1, streams: ['events'] },
      },
    });
  });
  after(async () => {
    await server.close();
  });

  it('gives exactly 10 ACK and 40 AGENCY_FULL for 50 simultaneous connects with cap 10', async () => {
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => attempt(server)));
    expect(tally(outcomes)).to.deep.equal({ ACK: 10, [NakCode.AGENCY_FULL]: 40 });
    await Promise.all(outcomes.map((o) => o.client.close()));
    // Every slot came back: the next storm is admitted the same way.
    const again = await Promise.all(Array.from({ length: 12 }, () => attempt(server)));
    expect(tally(again)).to.deep.equal({ ACK: 10, [NakCode.AGENCY_FULL]: 2 });
    await Promise.all(again.map((o) => o.client.close()));
  });

  it('enforces the server-wide cap after the agency cap (SERVER_FULL)', async () => {
    const body = request({ agency: 'gamma', token: 'gamma-secret' });
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => attempt(server, body)));
    expect(tally(outcomes)).to.deep.equal({ ACK: 30, [NakCode.SERVER_FULL]: 10 });
    await Promise.all(outcomes.map((o) => o.client.close()));
  });

  it('frees a slot as soon as its session ends (BYE or close)', async () => {
    const body = request({ agency: 'solo', token: 'solo-secret', stream: 'events' });
    const a = await attempt(server, body);
    expect(a.result).to.equal('ACK');
    const b = await attempt(server, body);
    expect(b.result).to.equal(NakCode.AGENCY_FULL);
    await a.client.bye();
    let c = await attempt(server, body);
    for (let i = 0; i < 20 && c.result !== 'ACK'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      c = await attempt(server, body);
    }
    expect(c.result).to.equal('ACK');
    c.client.destroy();
  });
});
