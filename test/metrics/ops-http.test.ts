import { request } from 'node:http';
import { expect } from 'chai';
import { Admission, createAdmission } from '../../src/admission/admission.ts';
import { createMetrics } from '../../src/metrics/counters.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import { type Health, type OpsHttp, startOpsHttp } from '../../src/server/ops-http.ts';
import { silentLogger } from '../../src/util/logger.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (no keep-alive), so close() has nothing to wait for. */
function call(port: number, method: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server/ops-http', () => {
  let ops: OpsHttp;
  let health: () => Health;
  let ready: boolean;
  const registry = createRegistry({
    metrics: createMetrics(1, 1),
    admission: new Admission(createAdmission([3], 3, 3)),
    agencyNames: ['esa'],
    ringHeads: () => [1, 2, 3, 4],
    extra: { defaultMetrics: false },
  });

  beforeEach(async () => {
    health = () => ({ ok: true, detail: { acquisition: 'up' } });
    ready = true;
    ops = await startOpsHttp({
      host: '127.0.0.1',
      port: 0,
      registry,
      health: () => health(),
      ready: () => ready,
      logger: silentLogger(),
    });
  });
  afterEach(() => ops.close());

  it('serves the registry in text format at /metrics', async () => {
    const r = await call(ops.port, 'GET', '/metrics');
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.equal(registry.contentType);
    expect(r.body).to.include('scs_ring_head{stream="events"} 4');
    expect(r.body).to.include('# TYPE scs_latency_seconds histogram');
  });

  it('answers /healthz with 200 or 503 and the detail', async () => {
    let r = await call(ops.port, 'GET', '/healthz');
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.match(/^application\/json/);
    expect(JSON.parse(r.body)).to.deep.equal({ ok: true, detail: { acquisition: 'up' } });
    health = () => ({ ok: false, detail: { acquisition: 'down' } });
    r = await call(ops.port, 'GET', '/healthz');
    expect(r.status).to.equal(503);
    expect(JSON.parse(r.body)).to.deep.equal({ ok: false, detail: { acquisition: 'down' } });
  });

  it('answers /readyz with 200 or 503, ignoring the query string', async () => {
    expect((await call(ops.port, 'GET', '/readyz?verbose=1')).status).to.equal(200);
    ready = false;
    const r = await call(ops.port, 'GET', '/readyz');
    expect(r.status).to.equal(503);
    expect(JSON.parse(r.body)).to.deep.equal({ ready: false });
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    const missing = await call(ops.port, 'GET', '/metricsz');
    expect(missing.status).to.equal(404);
    expect(JSON.parse(missing.body)).to.deep.equal({ error: 'not found' });
    const post = await call(ops.port, 'POST', '/metrics');
    expect(post.status).to.equal(405);
    expect(post.headers.allow).to.equal('GET');
  });

  it('turns a failing probe into a 500 and keeps serving', async () => {
    health = () => {
      throw new Error('probe broke');
    };
    const r = await call(ops.port, 'GET', '/healthz');
    expect(r.status).to.equal(500);
    expect(JSON.parse(r.body)).to.deep.equal({ error: 'internal error' });
    expect((await call(ops.port, 'GET', '/readyz')).status).to.equal(200);
  });

  it('rejects a port that is in use with its listen error', async () => {
    const err = await startOpsHttp({
      host: '127.0.0.1',
      port: ops.port,
      registry,
      health: () => health(),
      ready: () => ready,
      logger: silentLogger(),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'EADDRINUSE');
  });

  it('closes without waiting for keep-alive connections of scrapers', async () => {
    const res = await fetch(`http://127.0.0.1:${ops.port}/readyz`);
    expect(res.status).to.equal(200);
    await res.text();
    const started = performance.now();
    await ops.close();
    expect(performance.now() - started).to.be.below(1000);
  });

  it('closes idempotently and stops accepting connections', async () => {
    await Promise.all([ops.close(), ops.close()]);
    const err = await call(ops.port, 'GET', '/readyz').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'ECONNREFUSED');
  });
});
