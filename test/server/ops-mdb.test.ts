import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { type ScsServer, startServer } from '../../src/server/server.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { collectRecords, connect, request, testAgencies } from '../support/server.ts';

const u8 = { type: 'uint', bits: 8 };
const database = (version: string) => ({
  name: 'OPS',
  version,
  parameters: {
    T: { unit: 'degC', encoding: u8, limits: { alarm: { high: 40 } } },
    U: { encoding: u8, calibration: { type: 'polynomial', coefficients: [0, 2] } },
  },
  containers: {
    HK: {
      apid: 42,
      entries: [
        { parameter: 'T', bitOffset: 48 },
        { parameter: 'U', bitOffset: 56 },
      ],
    },
  },
  limitLists: { ALL: ['T', 'U'] },
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

function call(
  server: ScsServer,
  method: string,
  path: string,
  opts: { auth?: string; body?: string; type?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.auth !== undefined) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    const req = httpRequest({ host: '127.0.0.1', port: server.httpPort, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        }),
      );
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const ALPHA = 'alpha:alpha-secret';
const post = (server: ScsServer, path: string, body: unknown, auth = ALPHA) =>
  call(server, 'POST', path, { auth, body: JSON.stringify(body) });

describe('server/ops-mdb', () => {
  let server: ScsServer;
  let dir: string;
  let events: ScsClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ops-mdb-'));
    writeFileSync(join(dir, 'db.json'), JSON.stringify(database('1')));
    const agencies = testAgencies() as Record<string, Record<string, unknown>>;
    agencies.alpha!.roles = ['operator'];
    agencies.remote!.roles = ['operator'];
    server = await startServer({
      config: {
        server: { port: 0, httpPort: 0, host: '127.0.0.1', actors: 1, stateDir: dir },
        agencies,
        simulator: { enabled: false },
        archive: { enabled: false },
        mdb: { file: join(dir, 'db.json') },
        log: { level: 'silent' },
      },
      source: { kind: 'test', options: { mode: 'inject' } },
      logger: silentLogger(),
    });
    events = await connect(server);
    await events.request(request({ stream: 'events' }));
  });

  after(async () => {
    events?.destroy();
    await server?.close();
  });

  it('one answer (401) for not allowed, whatever the reason: no or wrong credentials, no operator role, address not allowed (issue 12)', async () => {
    // beta's token is right but beta is no operator; remote is an operator, but only from 10.0.0.0/8.
    const answers = [];
    for (const auth of [
      undefined,
      'alpha:wrong',
      'nobody:alpha-secret',
      'alpha',
      'beta:beta-secret',
      'remote:remote-secret',
    ]) {
      const r = await call(server, 'GET', '/mdb/overrides', auth === undefined ? {} : { auth });
      expect(r.status, String(auth)).to.equal(401);
      expect(r.headers['www-authenticate']).to.match(/^Basic realm="scs-ops"/);
      answers.push(JSON.stringify(r.body));
    }
    expect(new Set(answers).size, answers.join('\n')).to.equal(1);
    // Other paths are not this route's: the built-in ones still answer.
    expect((await call(server, 'GET', '/readyz')).status).to.equal(200);
  });

  it('checks routes, methods and bodies before anything reaches the database', async () => {
    expect((await call(server, 'GET', '/mdb/nope', { auth: ALPHA })).status).to.equal(404);
    const method = await call(server, 'GET', '/mdb/reload', { auth: ALPHA });
    expect(method.status).to.equal(405);
    expect(method.headers.allow).to.equal('POST');
    const big = await call(server, 'POST', '/mdb/reload', { auth: ALPHA, body: `"${'x'.repeat(300_000)}"` });
    expect(big.status).to.equal(413);
    const type = await call(server, 'POST', '/mdb/reload', { auth: ALPHA, body: '{}', type: 'text/plain' });
    expect(type.status).to.equal(415);
    expect((await call(server, 'POST', '/mdb/reload', { auth: ALPHA, body: '{"file":' })).status).to.equal(
      400,
    );
    // Within the size bound but nested far too deep to copy to the acquisition thread: refused
    // unparsed (it used to come back 500, a stack overflow); quotes and brackets in strings do not count.
    const deepBody = `{"parameter":"U","calibration":{"type":"polynomial","coefficients":[0,1],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const nested = await call(server, 'POST', '/mdb/calibration', { auth: ALPHA, body: deepBody });
    expect(nested.status).to.equal(400);
    expect(nested.body).to.include({ code: 'ERR_OPS_BODY' });
    expect((nested.body.errors as { message: string }[])[0]!.message).to.match(/at most 16 levels/);
    const quoted = await post(server, '/mdb/limit-checking', {
      parameter: `[[[{{"\\${'['.repeat(40)}`,
      enabled: true,
    });
    expect(quoted.status).to.equal(400);
    expect(quoted.body).to.include({ code: 'ERR_MDB_CONTROL_INVALID' });
    const schema = await post(server, '/mdb/limits', { parameter: 'T', limits: 5, extra: true });
    expect(schema.status).to.equal(400);
    expect(schema.body).to.include({ code: 'ERR_MDB_CONTROL_INVALID' });
    // Valid for the route, refused by the database's own schema (a string bound).
    const deep = await post(server, '/mdb/limits', { parameter: 'T', limits: { alarm: { high: 'hot' } } });
    expect(deep.status).to.equal(400);
    const unknown = await post(server, '/mdb/limit-checking', { parameter: 'NOPE', enabled: false });
    expect(unknown.status).to.equal(404);
    expect(unknown.body).to.include({ code: 'ERR_MDB_UNKNOWN_PARAMETER' });
  });

  it('applies overrides, lists them, and raises each as an event naming the agency', async () => {
    const off = await post(server, '/mdb/limit-checking', { list: 'ALL', enabled: false });
    expect(off.status).to.equal(200);
    expect(off.body).to.include({ ok: true, op: 'limitChecking', enabled: false });
    const limits = await post(server, '/mdb/limits', { parameter: 'T', limits: { alarm: { high: 30 } } });
    expect(limits.status).to.equal(200);
    const cal = await post(server, '/mdb/calibration', {
      parameter: 'U',
      calibration: { type: 'polynomial', coefficients: [1, 3] },
    });
    expect(cal.status).to.equal(200);
    const listed = await call(server, 'GET', '/mdb/overrides', { auth: ALPHA });
    expect(listed.status).to.equal(200);
    expect(listed.body).to.deep.include({
      limitChecking: { global: true, parameters: {}, lists: { ALL: false } },
      calibrations: { U: { type: 'polynomial', coefficients: [1, 3] } },
    });
    expect(listed.body.database).to.include({ name: 'OPS', version: '1', parameters: 2 });
    const restored = await post(server, '/mdb/limits', { parameter: 'T', limits: null });
    expect(restored.status).to.equal(200);
    const recs = await collectRecords(events, 4);
    expect(recs.map((r) => r.type)).to.deep.equal([
      'LIMIT_CHECKING_DISABLED',
      'LIMITS_CHANGED',
      'CALIBRATION_CHANGED',
      'LIMITS_RESTORED',
    ]);
    expect(recs[0]).to.include({ source: 'mdb', severity: 'WARNING' });
    expect(recs[0]!.message).to.match(/\(by alpha\)$/);
    expect(recs[1]).to.include({ parameter: 'T' });
  });

  it('reloads: a refused database keeps the one in force, a good one replaces it (also via mdbControl)', async () => {
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...database('2'), parameters: {} }));
    const bad = await post(server, '/mdb/reload', { file: 'broken.json' });
    expect(bad.status).to.equal(422);
    expect(bad.body).to.include({ ok: false, code: 'ERR_MDB_INVALID' });
    expect((bad.body.errors as unknown[]).length).to.be.above(0);
    const grown = { ...database('2'), parameters: { ...database('2').parameters, V: { encoding: u8 } } };
    writeFileSync(join(dir, 'grown.json'), JSON.stringify(grown));
    const restart = await post(server, '/mdb/reload', { file: 'grown.json' });
    expect(restart.status).to.equal(409);
    expect(restart.body).to.include({ code: 'ERR_MDB_RESTART_REQUIRED' });
    writeFileSync(join(dir, 'db.json'), JSON.stringify(database('3')));
    const ok = await post(server, '/mdb/reload', {});
    expect(ok.status).to.equal(200);
    expect(ok.body.database).to.include({ version: '3' });
    // What SIGHUP does (src/cli.ts).
    const hup = (await server.mdbControl({ op: 'reload', by: 'SIGHUP' })) as Record<string, unknown>;
    expect(hup).to.include({ ok: true, op: 'reload' });
    const recs = await collectRecords(events, 4);
    expect(recs.map((r) => r.type)).to.deep.equal([
      'MDB_RELOAD_REFUSED',
      'MDB_RELOAD_REFUSED',
      'MDB_RELOADED',
      'MDB_RELOADED',
    ]);
    expect(recs[3]!.message).to.match(/\(by SIGHUP\)$/);
  });
});
