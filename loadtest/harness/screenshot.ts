// Screenshot of a report.html (docs/loadtest-report.png): playwright-core drives the Debian
// chromium headless with a fresh profile.
//   node loadtest/harness/screenshot.ts REPORT.html OUT.png [CHROMIUM]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, launchChromium } from '../../test/support/chromium.ts';

const [report, out, executable = CHROMIUM] = process.argv.slice(2);
if (report === undefined || out === undefined) {
  process.stderr.write('usage: node loadtest/harness/screenshot.ts REPORT.html OUT.png [CHROMIUM]\n');
  process.exit(2);
}
const browser = await launchChromium({ executable, viewport: { width: 1320, height: 900 } });
try {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.waitForLoadState('load');
  if (errors.length > 0) throw new Error(`report script failed: ${errors.join('; ')}`);
  await page.waitForSelector('.uplot', { timeout: 10_000 });
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`${out}: ${await page.locator('.uplot').count()} charts\n`);
} finally {
  await browser.close();
}
