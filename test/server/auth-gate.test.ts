// Token checks through the process's one gate (issue 12), end to end: wrong tokens sent at
// once over TCP are counted before scrypt (at most MAX_FAILURES are checked), and the same
// budget covers /mdb/* (HTTP Basic), which answers 429 past it.
import { expect } from 'chai';
import { NakCode } from '../../protocol/constants.ts';
import type { NakError } from '../../protocol/errors.ts';
import { MAX_FAILURES } from '../../src/admission/auth-gate.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { connect, request, startTestServer, testAgencies } from '../support/server.ts';

async function refusal(server: ScsServer, token: string): Promise<string> {
  const c = await connect(server);
  try {
    await c.request(request({ token }));
    return 'ACK';
  } catch (err) {
    const e = err as NakError;
    return `${e.code}: ${e.reason}`;
  } finally {
    c.destroy();
  }
}

const mdb = (server: ScsServer, auth: string) =>
  fetch(`http://127.0.0.1:${server.httpPort}/mdb/overrides`, {
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  });

describe('one token-check gate for the TCP port and /mdb/* (issue 12)', function () {
  this.timeout(60_000);
  let server: ScsServer;

  beforeEach(async () => {
    const agencies = testAgencies() as Record<string, Record<string, unknown>>;
    agencies.alpha!.roles = ['operator'];
    // Two actors: connections land on both, and the budget is still one per address.
    server = await startTestServer({ agencies, server: { actors: 2 } });
  });
  afterEach(() => server.close());

  it('100 wrong tokens at once: at most MAX_FAILURES are checked, the rest refused unchecked', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => refusal(server, `wrong-${i}`)));
    const checked = answers.filter((a) => a.endsWith('unknown agency or bad token'));
    const throttled = answers.filter((a) => a.includes('too many failed attempts'));
    expect(
      answers.every((a) => a.startsWith(`${NakCode.AUTH_FAILED}:`)),
      answers.join('\n'),
    ).to.equal(true);
    expect(checked.length).to.be.at.most(MAX_FAILURES);
    expect(throttled.length).to.be.at.least(100 - MAX_FAILURES);
    // /mdb/* shares the budget: even the operator's right token waits for the window to end.
    const r = await mdb(server, 'alpha:alpha-secret');
    expect(r.status).to.equal(429);
    expect(r.headers.get('retry-after')).to.equal('10');
  });

  it('/mdb/*: wrong Basic credentials are throttled like the TCP port', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < MAX_FAILURES + 5; i++) statuses.push((await mdb(server, `alpha:wrong-${i}`)).status);
    expect(statuses.slice(0, MAX_FAILURES)).to.deep.equal(Array(MAX_FAILURES).fill(401));
    expect(statuses.slice(MAX_FAILURES)).to.deep.equal(Array(5).fill(429));
    // And the TCP port refuses the address too, unchecked.
    expect(await refusal(server, 'alpha-secret')).to.contain('too many failed attempts');
  });

  it('a right token is given back: it never uses up the address budget', async () => {
    for (let i = 0; i < 3 * MAX_FAILURES; i++) expect(await refusal(server, 'alpha-secret')).to.equal('ACK');
    expect((await mdb(server, 'alpha:alpha-secret')).status).to.not.equal(429);
  });
});
