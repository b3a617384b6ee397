// The display's history reads run in the archive query pool, never on the main thread (which
// serves the client listener): every archive read is a pool task, the value table's latest
// value is not, and a client that leaves mid-read does not hold the queue.
import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import type { ScsServer } from '../../src/server/server.ts';
import { bearer, http, sampleAt, startDisplayServer, until, useDictionaryOf } from './support.ts';

/** ms; recent, so archive retention never takes the samples. */
const T1 = Math.floor(Date.now() / 1000) * 1000 - 1_800_000;
const N = 5000;

describe('Open MCT display: history in the archive query pool (issue 4)', function () {
  this.timeout(20_000);
  let server: ScsServer;
  let port: number;
  const get = (q: string) => http(port, `/history/EPS.BUS_V?${q}`, { headers: bearer('alpha') });
  const poolRuns = () => server.archiveQueries()!.history;

  before(async () => {
    server = await startDisplayServer({ archive: true, display: { maxHistoryRows: N } });
    port = server.httpPort;
    await useDictionaryOf(port);
    for (let b = 0; b < N / 1000; b++) {
      await server.inject(
        Array.from({ length: 1000 }, (_, k) => sampleAt('EPS.BUS_V', k % 7, (T1 + b * 1000 + k) * 1000)),
      );
    }
    await until(
      async () => (await get(`start=${T1 + N - 1}&end=${T1 + N - 1}`)).body !== '[]',
      5000,
      'archived',
    );
  });

  after(() => server?.close());

  it("runs every archive read as a pool task, and answers the value table's latest value without one", async () => {
    const before = poolRuns();
    const raw = await get(`start=${T1}&end=${T1 + N}`);
    expect(raw.status).to.equal(200);
    expect(raw.headers['x-scs-truncated']).to.equal('false');
    expect(raw.headers['x-scs-archive']).to.equal('true');
    expect(JSON.parse(raw.body)).to.have.length(N);
    expect(poolRuns()).to.equal(before + 1);

    const plot = await get(`start=${T1}&end=${T1 + N - 1}&strategy=minmax&size=50`);
    expect(JSON.parse(plot.body).length).to.be.within(50, 100);
    expect(poolRuns()).to.equal(before + 2);

    // The value table holds the newest sample: O(1), on this thread.
    const latest = await get('strategy=latest');
    expect(JSON.parse(latest.body)[0].timestamp).to.equal(T1 + N - 1);
    expect(poolRuns()).to.equal(before + 2);

    // Older than the value table's: the archive's, through the pool.
    const past = await get(`strategy=latest&end=${T1 + 10}`);
    expect(JSON.parse(past.body).map((p: { timestamp: number }) => p.timestamp)).to.deep.equal([T1 + 10]);
    expect(poolRuns()).to.equal(before + 3);
  });

  it('does not let a client that leaves mid-read hold the queue', async () => {
    const before = poolRuns();
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: `/history/EPS.BUS_V?start=${T1}&end=${T1 + N}`,
        headers: bearer('alpha'),
      });
      req.on('error', () => resolve());
      req.end(() => setImmediate(() => req.destroy()));
    });
    const r = await get(`start=${T1 + 100}&end=${T1 + 102}`);
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.body).map((p: { timestamp: number }) => p.timestamp)).to.deep.equal([
      T1 + 100,
      T1 + 101,
      T1 + 102,
    ]);
    expect(poolRuns()).to.be.within(before + 1, before + 2);
  });
});
