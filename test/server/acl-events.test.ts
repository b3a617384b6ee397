// Events that concern a parameter go only to agencies allowed that parameter (issue 12): a
// limit violation of THERM.BATT_T names the parameter, its value and its limits, which an
// agency allowed only EPS.* must not learn. Live, archive mode and `since`, from the ring and
// from the archive.
import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { connect, nextOfType, readWithin, request, startTestServer } from '../support/server.ts';

const PARAMETERS = ['EPS.BATT_V', 'THERM.BATT_T', undefined, 'SECRET.NOT_IN_DICTIONARY'] as const;
/** What an agency allowed EPS.* may see: events about EPS parameters and events about none. */
const visibleToBeta = (p: string | undefined) => p === undefined || p.startsWith('EPS.');

let time = Date.now() * 1000;
function limitEvent(n: number) {
  const parameter = PARAMETERS[n % PARAMETERS.length];
  time += 10;
  return {
    stream: 'events' as const,
    rec: {
      time,
      severity: 'ALARM' as const,
      source: 'limits',
      type: parameter === undefined ? 'LINK_UP' : 'LIMIT_VIOLATION',
      message: `event ${n}`,
      ...(parameter === undefined ? {} : { parameter, value: 42.5 }),
    },
  };
}

const betaRequest = (extra: Record<string, unknown>) =>
  request({ agency: 'beta', token: 'beta-secret', stream: 'events', ...extra });

/** Every event record until `count` arrived, then whatever else comes within `quietMs`. */
async function events(client: ScsClient, count: number, quietMs = 400): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  while (out.length < count) {
    const m = await nextOfType(client, MessageType.DATA, 10_000);
    out.push(...(m.body!.records as Record<string, unknown>[]));
  }
  for (;;) {
    const m = await readWithin(client, quietMs);
    if (m === 'timeout' || m === undefined || m.type === MessageType.END) return out;
    if (m.type === MessageType.DATA) out.push(...(m.body!.records as Record<string, unknown>[]));
  }
}

function expectOnlyVisible(records: Record<string, unknown>[], expected: number): void {
  const leaked = records.filter((r) => !visibleToBeta(r.parameter as string | undefined));
  expect(leaked.map((r) => r.parameter)).to.deep.equal([]);
  expect(records.length).to.equal(expected);
}

describe('events of forbidden parameters are not delivered (issue 12)', function () {
  this.timeout(60_000);
  const TOTAL = 1200;
  const VISIBLE = Array.from({ length: TOTAL }, (_, n) => PARAMETERS[n % PARAMETERS.length]).filter(
    visibleToBeta,
  ).length;
  let server: ScsServer;
  let liveBeta: Record<string, unknown>[];
  let liveAlpha: Record<string, unknown>[];

  before(async () => {
    // A small events ring: most of what `since` replays comes from the archive.
    server = await startTestServer({
      archive: { enabled: true, commitMs: 20 },
      ring: { events: { slots: 256, slotBytes: 1024 } },
    });
    const alpha = await connect(server);
    await alpha.request(request({ stream: 'events', delivery: 'complete' }));
    const beta = await connect(server);
    await beta.request(betaRequest({ delivery: 'complete' }));
    for (let b = 0; b < TOTAL; b += 40) {
      await server.inject(Array.from({ length: 40 }, (_, i) => limitEvent(b + i)));
      await new Promise((r) => setTimeout(r, 20)); // the live readers keep up with the small ring
    }
    liveAlpha = await events(alpha, TOTAL);
    liveBeta = await events(beta, VISIBLE);
    await alpha.close();
    await beta.close();
    await new Promise((r) => setTimeout(r, 300)); // the recorder commits every 20 ms
  });
  after(() => server.close());

  it('live: an agency allowed every parameter gets every event, one allowed EPS.* only its own', () => {
    expect(liveAlpha.length).to.equal(TOTAL);
    expectOnlyVisible(liveBeta, VISIBLE);
  });

  it('archive mode: the same rule', async () => {
    const c = await connect(server);
    await c.request(betaRequest({ mode: 'archive', from: 0 }));
    expectOnlyVisible(await events(c, VISIBLE), VISIBLE);
    await c.close();
  });

  it('since: the same rule, from the archive and the ring', async () => {
    const c = await connect(server);
    await c.request(betaRequest({ since: 0, delivery: 'complete' }));
    expectOnlyVisible(await events(c, VISIBLE), VISIBLE);
    await c.close();
  });

  it('severity filters still apply on top of the agency rule', async () => {
    const c = await connect(server);
    await c.request(betaRequest({ mode: 'archive', from: 0, filter: { severity: 'CRITICAL' } }));
    const m = await nextOfType(c, MessageType.END, 10_000);
    expect(m.body!.records).to.equal(0);
    await c.close();
  });
});
