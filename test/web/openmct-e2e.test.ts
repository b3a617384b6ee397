// Open MCT, unmodified, in a real headless Chromium against a real SCS server: login, a live
// sentinel in a telemetry table, archived values through history, limits, a plot. Any page
// error or console error (a CSP violation is one) fails the test. Without /usr/bin/chromium it
// fails at once, saying so: .ci/run installs it, and this proof is not to be skipped silently.
// The waits are events with generous bounds (a loaded 2-core machine takes seconds to parse
// Open MCT's 6 MB), except the sentinel's, which is the requirement itself.
// docs/openmct.png comes from test/web/screenshot.ts (the simulator's live data).
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { ScsServer } from '../../src/server/server.ts';
import { type Browser, launchChromium } from '../support/chromium.ts';
import { bearer, http, sampleAt, startDisplayServer, until, useDictionaryOf } from './support.ts';

const PARAM = 'EPS.BUS_V';
const ARCHIVED = [27.101, 27.102, 27.103, 27.104, 27.105];
/** Out of EPS.BUS_V's alarm limits (26 … 30.5): Open MCT colours it red. */
const SENTINEL = 4242.4242;
/** The root's name, rendered by Open MCT: it must show as text, never become markup. */
const MISSION = 'SCS <img id="xss" src="/x" onerror="window.xss=1">';
/** Bound of a first paint: loading and starting Open MCT, or a view's first data. */
const PAINT_MS = 30_000;

describe('Open MCT display in Chromium (issue 6)', function () {
  this.timeout(120_000);
  let server: ScsServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const base = () => `http://127.0.0.1:${server.httpPort}`;
  // The query makes each a new document: a started Open MCT does not re-route on a hash change.
  const view = (name: string, key: string) =>
    `${base()}/display/?load=${key}#/browse/scs.tree:mission/scs.tree:folder.EPS/scs:${name}?view=${key}`;

  before(async () => {
    // Before the server: without Chromium this fails at once, saying how to install it.
    browser = await launchChromium({ timeout: PAINT_MS, viewport: { width: 1400, height: 860 } });
    server = await startDisplayServer({ archive: true, display: { mission: MISSION } });
    await useDictionaryOf(server.httpPort);
    // Archived before the page opens: the table can only get them through /history.
    const t0 = (Date.now() - 120_000) * 1000;
    await server.inject(ARCHIVED.map((v, i) => sampleAt(PARAM, v, t0 + i * 1_000_000)));
    await until(
      async () => {
        const r = await http(server.httpPort, `/history/${PARAM}?start=0&end=${Date.now()}`, {
          headers: bearer('alpha'),
        });
        return (JSON.parse(r.body) as unknown[]).length === ARCHIVED.length;
      },
      5000,
      'archived samples in history',
    );
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(() => {
    expect(errors, 'page errors').to.deep.equal([]);
  });

  it('sends a visitor without a session to the login form, and in with an agency token', async () => {
    await page.goto(`${base()}/display/`);
    expect(new URL(page.url()).pathname).to.equal('/display/login');
    await page.fill('input[name=agency]', 'alpha');
    await page.fill('input[name=token]', 'alpha-secret');
    await Promise.all([page.waitForURL(`${base()}/display/`), page.click('button[type=submit]')]);
    await page.locator('.c-tree__item', { hasText: MISSION }).first().waitFor({ timeout: PAINT_MS });
    expect(await page.locator('#xss').count()).to.equal(0);
    expect(await page.evaluate(() => (globalThis as { xss?: number }).xss)).to.equal(undefined);
  });

  it('shows archived values, loaded through history, in a telemetry table', async () => {
    await page.goto(view(PARAM, 'table'));
    const body = page.locator('.c-telemetry-table__body');
    for (const v of ARCHIVED) await body.getByText(String(v), { exact: true }).waitFor({ timeout: PAINT_MS });
  });

  it('shows a sentinel injected through acquisition in the table within a few seconds, coloured out of limits', async () => {
    const injected = Date.now();
    await server.inject([sampleAt(PARAM, SENTINEL, Date.now() * 1000, 'ALARM_HIGH')]);
    const cell = page.locator('.c-telemetry-table__body td', { hasText: String(SENTINEL) });
    await cell.first().waitFor({ timeout: 5000 });
    expect(Date.now() - injected).to.be.below(5000);
    expect(await cell.first().getAttribute('class')).to.match(/is-limit--red/);
  });

  it('renders a plot of the parameter, from history downsampled to its width', async () => {
    const minmax = page.waitForResponse(
      (r) => r.url().includes(`/history/${PARAM}?`) && r.url().includes('strategy=minmax'),
      { timeout: PAINT_MS },
    );
    await page.goto(view(PARAM, 'plot-single'));
    const reply = await minmax;
    expect(reply.status()).to.equal(200);
    expect(new URL(reply.url()).searchParams.get('size')).to.match(/^[1-9][0-9]*$/);
    const values = ((await reply.json()) as { value: number }[]).map((p) => p.value);
    expect(values).to.include.members([...ARCHIVED, SENTINEL]);
    await page.locator('.gl-plot canvas').first().waitFor({ timeout: PAINT_MS });
    // Ticks are drawn once the plot has data and a range to show.
    await page.locator('.gl-plot-tick').first().waitFor({ timeout: PAINT_MS });
    const box = await page.locator('.gl-plot canvas').first().boundingBox();
    expect(box?.width ?? 0).to.be.above(100);
    expect(box?.height ?? 0).to.be.above(50);
  });

  it('shows the agency logged in, and logs out back to the login form', async () => {
    const indicator = page.locator('.c-indicator', { hasText: 'Agency alpha' });
    await indicator.waitFor({ state: 'attached', timeout: 5000 });
    await indicator.hover();
    await Promise.all([
      page.waitForURL(`${base()}/display/login`),
      indicator.getByRole('button', { name: 'Log out' }).click(),
    ]);
    await page.goto(`${base()}/display/`);
    expect(new URL(page.url()).pathname).to.equal('/display/login');
  });
});
