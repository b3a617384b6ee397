// The display's HTTP side on a real server: access (login, bearer token, ACLs, allowFrom),
// security headers, and the history endpoint against a real archive and value table.
import { expect } from 'chai';
import type { ScsServer } from '../../src/server/server.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/web/headers.ts';
import { testAgencies, testHash } from '../support/server.ts';
import {
  bearer,
  cookieOf,
  http,
  login,
  loginForm,
  sampleAt,
  startDisplayServer,
  until,
  useDictionaryOf,
} from './support.ts';

/** ms; recent, so archive retention (maxAgeDays) never takes the samples. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

describe('Open MCT display: HTTP (issue 6)', function () {
  this.timeout(20_000);
  let server: ScsServer;
  let port: number;

  before(async () => {
    server = await startDisplayServer({
      archive: true,
      agencies: { ...testAgencies(), frames: { tokenHash: testHash('frames-secret'), streams: ['frames'] } },
      display: { maxHistoryRows: 3 },
    });
    port = server.httpPort;
    await useDictionaryOf(port);
    // EPS.BUS_V at T0, T0+1 ms … T0+4 ms, and one EPS.BUS_I between them.
    await server.inject([
      ...[0, 1, 2, 3, 4].map((k) => sampleAt('EPS.BUS_V', 28 + k / 10, (T0 + k) * 1000)),
      sampleAt('EPS.BUS_I', 1.5, (T0 + 2) * 1000),
    ]);
    await until(
      async () =>
        (
          await http(port, `/history/EPS.BUS_V?start=${T0}&end=${T0 + 1}`, { headers: bearer('alpha') })
        ).body.includes('28.1'),
      5000,
      'archived',
    );
  });

  after(() => server?.close());

  describe('access', () => {
    it('redirects the page to the login form, and refuses data without a session (401)', async () => {
      const page = await http(port, '/display/');
      expect(page.status).to.equal(303);
      expect(page.headers.location).to.equal('/display/login');
      for (const path of [
        '/display/dictionary.json',
        '/history/EPS.BUS_V?strategy=latest',
        '/display/openmct/openmct.js',
      ]) {
        const r = await http(port, path);
        expect(r.status, path).to.equal(401);
        expect(JSON.parse(r.body).error).to.equal('AUTH_FAILED');
      }
    });

    it('logs in with the agency token: an HttpOnly SameSite=Strict session cookie that opens the page', async () => {
      const r = await login(port, 'alpha');
      expect(r.status).to.equal(303);
      expect(r.headers.location).to.equal('/display/');
      expect(r.headers['set-cookie']![0]).to.match(/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      const page = await http(port, '/display/', { headers: { cookie: cookieOf(r) } });
      expect(page.status).to.equal(200);
      expect(page.body).to.include('/display/openmct/openmct.js').and.include('/display/scs-plugin.js');
      const logout = await http(port, '/display/logout', {
        method: 'POST',
        headers: { cookie: cookieOf(r) },
      });
      expect(logout.headers['set-cookie']![0]).to.match(/Max-Age=0/);
      expect((await http(port, '/display/', { headers: { cookie: cookieOf(r) } })).status).to.equal(303);
    });

    it('refuses a wrong token, an unknown agency and an address outside allowFrom alike (401)', async () => {
      for (const [agency, token] of [
        ['alpha', 'beta-secret'],
        ['nobody', 'x'],
        ['remote', 'remote-secret'], // allowFrom 10.0.0.0/8
      ] as const) {
        const r = await login(port, agency, token);
        expect(r.status, agency).to.equal(401);
        expect(String(r.headers['set-cookie']), agency).not.to.include('scs_display=');
        expect(r.body).to.include('Unknown agency or wrong token.');
      }
      expect((await http(port, '/display/dictionary.json', { headers: bearer('remote') })).status).to.equal(
        401,
      );
    });

    it('refuses an agency without the parameters stream (403)', async () => {
      expect((await login(port, 'frames')).status).to.equal(403);
      expect((await http(port, '/display/dictionary.json', { headers: bearer('frames') })).status).to.equal(
        403,
      );
    });

    it('refuses a cross-origin login', async () => {
      const { csrf, cookie } = await loginForm(port);
      const crossSite: Record<string, string>[] = [
        { origin: 'http://evil.example' },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of crossSite) {
        const r = await http(port, '/display/login', {
          method: 'POST',
          headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: `agency=alpha&token=alpha-secret&csrf=${csrf}`,
        });
        expect(r.status).to.equal(403);
        expect(r.headers['set-cookie']).to.equal(undefined);
      }
    });

    it("refuses a login without the form's CSRF token in both the form and its SameSite=Strict cookie", async () => {
      const { csrf, cookie } = await loginForm(port);
      const other = await loginForm(port);
      expect(other.cookie).to.match(/^scs_login_csrf=/);
      const post = (body: string, headers: Record<string, string>) =>
        http(port, '/display/login', {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: `agency=alpha&token=alpha-secret${body}`,
        });
      const forged = 'bm9uY2U.c2lnbmF0dXJl';
      for (const [what, body, headers] of [
        ['no token', '', {}],
        ['no cookie (a cross-site post)', `&csrf=${csrf}`, {}],
        ['no field', '', { cookie }],
        ["another form's cookie", `&csrf=${csrf}`, { cookie: other.cookie }],
        ['a token this server did not sign', `&csrf=${forged}`, { cookie: `scs_login_csrf=${forged}` }],
      ] as const) {
        const r = await post(body, headers);
        expect(r.status, what).to.equal(403);
        expect(String(r.headers['set-cookie']), what).not.to.include('scs_display=');
        expect(r.body, what).to.include('came from another site');
      }
      expect((await post(`&csrf=${csrf}`, { cookie })).status).to.equal(303);
    });

    it("lists only the parameters the agency's globs allow, with units, enumerations and limits", async () => {
      const alpha = JSON.parse(
        (await http(port, '/display/dictionary.json', { headers: bearer('alpha') })).body,
      );
      const beta = JSON.parse(
        (await http(port, '/display/dictionary.json', { headers: bearer('beta') })).body,
      );
      expect(alpha.mission).to.equal('SCS');
      expect(alpha.folders.map((f: { key: string }) => f.key)).to.include.members(['EPS', 'AOCS']);
      expect(beta.folders.map((f: { key: string }) => f.key)).to.deep.equal(['EPS']);
      const busV = beta.parameters.find((p: { key: string }) => p.key === 'EPS.BUS_V');
      const value = busV.values.find((v: { key: string }) => v.key === 'value');
      expect(value).to.include({ unit: 'V', format: 'float' });
      expect(busV.limits.CRITICAL.high).to.deep.equal({ color: 'red', value: 30.5 });
      const mode = beta.parameters.find((p: { key: string }) => p.key === 'EPS.PCDU_MODE');
      expect(mode.values.find((v: { key: string }) => v.key === 'value').enumerations).to.deep.equal([
        { value: 0, string: 'NOMINAL' },
        { value: 1, string: 'SAFE' },
        { value: 2, string: 'LOAD_SHED' },
      ]);
      // A hidden parameter answers as a missing one (issue 12: no enumeration outside the ACL).
      const aocs = await http(port, '/history/AOCS.MODE?strategy=latest', { headers: bearer('beta') });
      const none = await http(port, '/history/AOCS.NOPE?strategy=latest', { headers: bearer('beta') });
      expect([aocs.status, none.status]).to.deep.equal([404, 404]);
      expect(JSON.parse(aocs.body).error).to.equal('UNKNOWN_PARAMETER');
      expect(aocs.body.replace('AOCS.MODE', 'X')).to.equal(none.body.replace('AOCS.NOPE', 'X'));
    });
  });

  describe('headers', () => {
    it('sends the strict CSP and hardening headers on the page, the login form, assets and errors', async () => {
      const cookie = cookieOf(await login(port, 'alpha'));
      for (const [path, headers] of [
        ['/display/', { cookie }],
        ['/display/login', {}],
        ['/display/openmct/openmct.js', { cookie }],
        ['/display/dictionary.json', {}],
      ] as const) {
        const r = await http(port, path, { headers });
        expect(r.headers['content-security-policy'], path).to.equal(CONTENT_SECURITY_POLICY);
        expect(r.headers['x-content-type-options'], path).to.equal('nosniff');
        expect(r.headers['x-frame-options'], path).to.equal('DENY');
      }
      expect(CONTENT_SECURITY_POLICY).to.include("default-src 'none'").and.include("frame-ancestors 'none'");
      expect(CONTENT_SECURITY_POLICY).not.to.match(/script-src[^;]*'unsafe-inline'/);
    });

    it('serves no file outside the listed assets', async () => {
      const cookie = cookieOf(await login(port, 'alpha'));
      for (const path of [
        '/display/../package.json',
        '/display/openmct/src/MCT.d.ts',
        '/display/openmct/index.html',
      ]) {
        expect((await http(port, path, { headers: { cookie } })).status, path).to.equal(404);
      }
    });
  });

  describe('history', () => {
    const get = (q: string) => http(port, `/history/EPS.BUS_V?${q}`, { headers: bearer('alpha') });
    const values = (body: string) => (JSON.parse(body) as { value: number }[]).map((p) => p.value);

    it('returns the archived points with start <= timestamp <= end, ascending, as Open MCT points', async () => {
      const r = await get(`start=${T0 + 1}&end=${T0 + 3}`);
      expect(r.status).to.equal(200);
      expect(r.headers['x-scs-truncated']).to.equal('false');
      const points = JSON.parse(r.body);
      expect(values(r.body)).to.deep.equal([28.1, 28.2, 28.3]);
      expect(points[0]).to.include({
        id: 'EPS.BUS_V',
        name: 'EPS.BUS_V',
        timestamp: T0 + 1,
        eng: 28.1,
        raw_value: 28100,
        raw_type: 'int',
        flags: 0,
        limit: 'OK',
        unit: 'V',
      });
    });

    it('returns at most maxHistoryRows points, the newest, and says so', async () => {
      const r = await get(`start=${T0}&end=${T0 + 4}`);
      expect(values(r.body)).to.deep.equal([28.2, 28.3, 28.4]);
      expect(r.headers['x-scs-truncated']).to.equal('true');
    });

    it('answers strategy=latest from the value table', async () => {
      expect(values((await get('strategy=latest')).body)).to.deep.equal([28.4]);
      expect(values((await get(`strategy=latest&end=${Date.now()}`)).body)).to.deep.equal([28.4]);
    });

    it('answers strategy=latest with an end before the current value from the archive', async () => {
      expect(values((await get(`strategy=latest&end=${T0 + 2}`)).body)).to.deep.equal([28.2]);
      expect(values((await get(`strategy=latest&end=${T0 - 1}`)).body)).to.deep.equal([]);
      expect((await get('strategy=latest&end=abc')).status).to.equal(400);
    });

    it('refuses bad bounds (400) and unknown parameters (404)', async () => {
      expect((await get(`start=${T0 + 5}&end=${T0}`)).status).to.equal(400);
      expect((await get('start=abc&end=1')).status).to.equal(400);
      expect((await get('end=1')).status).to.equal(400);
      expect((await get(`start=${T0}&end=${T0 + 4}&strategy=average`)).status).to.equal(400);
      expect((await get(`start=${T0}&end=${T0 + 4}&strategy=minmax&size=0`)).status).to.equal(400);
      const r = await http(port, '/history/NO.SUCH?strategy=latest', { headers: bearer('alpha') });
      expect(r.status).to.equal(404);
      expect(JSON.parse(r.body).error).to.equal('UNKNOWN_PARAMETER');
    });
  });
});

describe('Open MCT display: history of a long range (issue 6)', function () {
  this.timeout(20_000);
  /** ms; a sample every ms from T1 to T1 + 1000: a sawtooth 0 … 9, a dip at +222, a spike at +555. */
  const T1 = T0 + 60_000;
  const value = (k: number) => (k === 222 ? -50 : k === 555 ? 100 : k % 10);
  let server: ScsServer;
  let port: number;
  const get = async (q: string) => {
    const r = await http(port, `/history/EPS.BUS_V?${q}`, { headers: bearer('alpha') });
    expect(r.status, r.body).to.equal(200);
    const points = JSON.parse(r.body) as { timestamp: number; value: number }[];
    const times = points.map((p) => p.timestamp);
    expect(times, 'ascending').to.deep.equal([...times].sort((a, b) => a - b));
    return { points, truncated: r.headers['x-scs-truncated'] };
  };

  before(async () => {
    server = await startDisplayServer({ archive: true, display: { maxHistoryRows: 100 } });
    port = server.httpPort;
    await useDictionaryOf(port);
    await server.inject(
      Array.from({ length: 1001 }, (_, k) => sampleAt('EPS.BUS_V', value(k), (T1 + k) * 1000)),
    );
    await until(
      async () => (await get(`start=${T1 + 1000}&end=${T1 + 1000}`)).points.length === 1,
      5000,
      'archived',
    );
  });

  after(() => server?.close());

  it('gives a table the newest maxHistoryRows points of a range that holds more', async () => {
    const r = await get(`start=${T1}&end=${T1 + 1000}`);
    expect(r.truncated).to.equal('true');
    expect(r.points.map((p) => p.timestamp)).to.deep.equal(
      Array.from({ length: 100 }, (_, k) => T1 + 901 + k),
    );
  });

  it("gives a plot (strategy=minmax) each size bucket's lowest and highest point over the whole range", async () => {
    const r = await get(`start=${T1}&end=${T1 + 999}&strategy=minmax&size=10`);
    expect(r.truncated).to.equal('false');
    expect(r.points.length).to.be.within(10, 20);
    const values = r.points.map((p) => p.value);
    expect(Math.min(...values)).to.equal(-50);
    expect(Math.max(...values)).to.equal(100);
    // Every bucket (100 ms) is represented, the last as well as the first.
    const buckets = new Set(r.points.map((p) => Math.floor((p.timestamp - T1) / 100)));
    expect([...buckets]).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const p of r.points) expect(p.value).to.be.oneOf([0, 9, -50, 100]);
  });

  it('returns at most maxHistoryRows points whatever the size, and the range as it is when it is short', async () => {
    const wide = await get(`start=${T1}&end=${T1 + 999}&strategy=minmax&size=4000`);
    expect(wide.points.length).to.be.within(50, 100);
    const short = await get(`start=${T1 + 10}&end=${T1 + 14}&strategy=minmax&size=3`);
    expect(short.points.map((p) => p.value)).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('says so when a bucket holds more rows than its share of the scan (10 × maxHistoryRows)', async () => {
    const r = await get(`start=${T1}&end=${T1 + 1000}&strategy=minmax&size=1`);
    expect(r.truncated).to.equal('true');
    expect(r.points.map((p) => p.value)).to.deep.equal([-50, 100]);
  });
});

describe('Open MCT display: configuration (issue 6)', function () {
  this.timeout(20_000);

  it("without login, gives every visitor the anonymous agency's rights", async () => {
    const server = await startDisplayServer({ display: { anonymousAgency: 'beta' } });
    try {
      const port = server.httpPort;
      expect((await http(port, '/display/')).status).to.equal(200);
      expect((await http(port, '/display/login')).headers.location).to.equal('/display/');
      const dict = JSON.parse((await http(port, '/display/dictionary.json')).body);
      expect(dict.folders.map((f: { key: string }) => f.key)).to.deep.equal(['EPS']);
      expect((await http(port, '/history/AOCS.MODE?strategy=latest')).status).to.equal(404); // hidden = unknown (issue 12)
    } finally {
      await server.close();
    }
  });

  it('escapes the mission name in the login form', async () => {
    const mission = '<img src=x onerror="alert(1)">&"\'';
    const server = await startDisplayServer({ display: { mission } });
    try {
      const page = (await http(server.httpPort, '/display/login')).body;
      expect(page).not.to.include('<img');
      expect(page).to.include('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&quot;&#39;');
    } finally {
      await server.close();
    }
  });

  it('refuses to start with an anonymous agency that is not configured (a config error naming it)', async () => {
    // The shared preflight (issue 11 item 7) answers before the display is built, as check-config does.
    const err = await startDisplayServer({ display: { anonymousAgency: 'nobody' } }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).to.equal('ERR_CONFIG_INVALID');
    expect(String((err as Error).message)).to.include('nobody');
  });

  it('mounts nothing when disabled', async () => {
    const server = await startDisplayServer({ display: { enabled: false } });
    try {
      expect((await http(server.httpPort, '/display/login')).status).to.equal(404);
    } finally {
      await server.close();
    }
  });
});
