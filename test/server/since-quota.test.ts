// Archive reads by any route count against the agency's archive-query quota and honour its
// prohibition (issue 12): a `since` that needs the archive is refused like archive mode for an
// agency with maxArchiveQueries 0, takes a unit of the quota while it replays, and is refused
// SERVER_FULL past it. A `since` the ring still holds needs no archive and is not refused.
import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { NakCode } from '../../protocol/constants.ts';
import type { NakError } from '../../protocol/errors.ts';
import type { ScsServer } from '../../src/server/server.ts';
import {
  collectRecords,
  connect,
  frame,
  request,
  startTestServer,
  testAgencies,
  testHash,
} from '../support/server.ts';

const STREAMS = ['frames', 'packets', 'parameters', 'events'];

async function nakOf(
  server: ScsServer,
  body: ReturnType<typeof request>,
): Promise<{ code: string; reason: string }> {
  const c = await connect(server);
  try {
    await c.request(body);
  } catch (err) {
    const e = err as NakError;
    return { code: e.code, reason: e.reason };
  } finally {
    c.destroy();
  }
  return { code: 'ACK', reason: '' };
}

describe('since replays and the archive-query quota (issue 12)', function () {
  this.timeout(60_000);
  let server: ScsServer;
  let newest = 0;
  const closed = { agency: 'closed', token: 'closed-secret' };
  const single = { agency: 'single', token: 'single-secret' };

  before(async () => {
    server = await startTestServer({
      agencies: {
        ...testAgencies(),
        closed: {
          tokenHash: testHash('closed-secret'),
          maxConnections: 10,
          streams: STREAMS,
          maxArchiveQueries: 0,
        },
        single: {
          tokenHash: testHash('single-secret'),
          maxConnections: 10,
          streams: STREAMS,
          maxArchiveQueries: 1,
        },
      },
      archive: { enabled: true, commitMs: 20 },
      ring: { frames: { slots: 256, slotBytes: 2048 } },
    });
    const c = await connect(server);
    await c.request(request({ delivery: 'complete' }));
    for (let b = 0; b < 1000; b += 50) {
      await server.inject(Array.from({ length: 50 }, (_, i) => frame(b + i, 0, 1024)));
      await new Promise((r) => setTimeout(r, 10));
    }
    // Then 20 records one second apart (ERT): an archive replay at speed 1 takes 20 s.
    const t0 = Date.now() * 1000 - 60_000_000;
    await server.inject(
      Array.from({ length: 20 }, (_, i) => {
        const f = frame(2000 + i, 1, 64);
        return { ...f, rec: { ...f.rec, ert: t0 + i * 1_000_000 } };
      }),
    );
    const seqs = (await collectRecords(c, 1020, 20_000)).map((r) => r.seq as number);
    newest = seqs.at(-1)!;
    await c.close();
    await new Promise((r) => setTimeout(r, 300)); // committed
  });
  after(() => server.close());

  it('maxArchiveQueries 0: a since that needs the archive gets the NAK archive mode gets', async () => {
    const archive = await nakOf(server, request({ ...closed, mode: 'archive', from: 0 }));
    const since = await nakOf(server, request({ ...closed, since: 0 }));
    expect(archive.code).to.equal(NakCode.FORBIDDEN);
    expect(since).to.deep.equal(archive);
  });

  it('maxArchiveQueries 0: a since the ring still holds is served', async () => {
    const c = await connect(server);
    await c.request(request({ ...closed, since: newest - 10 }));
    const records = await collectRecords(c, 10);
    expect(records.map((r) => r.seq)).to.deep.equal(Array.from({ length: 10 }, (_, i) => newest - 9 + i));
    await c.close();
  });

  it('one archive read at a time for an agency with maxArchiveQueries 1: a since that needs the archive is SERVER_FULL like archive mode', async () => {
    // Paced at real time over the 20 s the last records span: the replay holds the quota.
    const holder: ScsClient = await connect(server);
    await holder.request(request({ ...single, mode: 'archive', from: 0, speed: 1 }));
    await new Promise((r) => setTimeout(r, 200));
    const since = await nakOf(server, request({ ...single, since: 0 }));
    const archive = await nakOf(server, request({ ...single, mode: 'archive', from: 0 }));
    expect(archive.code).to.equal(NakCode.SERVER_FULL);
    expect(since).to.deep.equal(archive);
    // A since the ring holds reads no archive: not refused.
    const ring = await connect(server);
    await ring.request(request({ ...single, since: newest - 1 }));
    ring.destroy();
    holder.destroy();
    // Given back when the session ends.
    await new Promise((r) => setTimeout(r, 300));
    const again = await connect(server);
    await again.request(request({ ...single, since: 0 }));
    again.destroy();
  });
});
