// Screenshot of a report.html (docs/loadtest-report.png): playwright-core drives the Debian
// chromium headless with a fresh profile.
//   node loadtest/harness/screenshot.ts REPORT.html OUT.png [CHROMIUM]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [report, out, executable = '/usr/bin/chromium'] = process.argv.slice(2);
if (report === undefined || out === undefined) {
  process.stderr.write('usage: node loadtest/harness/screenshot.ts REPORT.html OUT.png [CHROMIUM]\n');
  process.exit(2);
}
const profile = mkdtempSync(join(os.tmpdir(), 'scs-report-shot-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: executable,
  headless: true,
  viewport: { width: 1320, height: 900 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.waitForLoadState('load');
  if (errors.length > 0) throw new Error(`report script failed: ${errors.join('; ')}`);
  await page.waitForSelector('.uplot', { timeout: 10_000 });
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`${out}: ${await page.locator('.uplot').count()} charts\n`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
