// Takes docs/openmct.png: the live display of a real server fed by the simulator, in Chromium.
// Run: node test/web/screenshot.ts [parameter] [seconds of data first] [output]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../src/server/server.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { testAgencies } from '../support/server.ts';

const [param = 'EPS.BATT_V', seconds = '40', out = join(import.meta.dirname, '../../docs/openmct.png')] =
  process.argv.slice(2);
const folder = param.split('.', 1)[0];
const stateDir = mkdtempSync(join(tmpdir(), 'scs-shot-'));
const server = await startServer({
  config: {
    server: { port: 0, httpPort: 0, host: '127.0.0.1', actors: 1, stateDir },
    agencies: testAgencies(),
    simulator: { enabled: true, frameRateHz: 10 },
    archive: { enabled: true },
    log: { level: 'silent' },
  },
  logger: silentLogger(),
});
const profile = mkdtempSync(join(tmpdir(), 'scs-chromium-'));
try {
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
    viewport: { width: 1400, height: 800 },
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const base = `http://127.0.0.1:${server.httpPort}`;
  await page.goto(`${base}/display/login`);
  await page.fill('input[name=agency]', 'alpha');
  await page.fill('input[name=token]', 'alpha-secret');
  await Promise.all([page.waitForURL(`${base}/display/`), page.click('button[type=submit]')]);
  const span = Number(seconds) * 1000 + 10_000;
  await page.goto(
    `${base}/display/#/browse/scs.tree:mission/scs.tree:folder.${folder}/scs:${param}` +
      `?tc.mode=local&tc.timeSystem=utc&tc.startDelta=${span}&tc.endDelta=5000&view=plot-single`,
  );
  await page.reload();
  await page.locator('.gl-plot-tick').first().waitFor({ timeout: 15_000 });
  // The mission's tree, open down to the parameter.
  for (const name of ['SCS', folder]) {
    await page.locator('.c-tree__item', { hasText: name }).first().locator('.c-disclosure-triangle').click();
  }
  await page.waitForTimeout(3000);
  await page.screenshot({ path: out });
  await ctx.close();
  console.log(`saved ${out}`);
} finally {
  rmSync(profile, { recursive: true, force: true });
  await server.close();
}
