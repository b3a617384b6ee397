// Headless Debian Chromium through playwright-core, with a fresh profile removed on close: the
// one launcher of the browser e2e test and the report screenshot (loadtest/harness/screenshot.ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

// A sandbox-less, quiet browser: no GPU, QUIC, sync, updates or background traffic, so a run
// depends on nothing but the page under test.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  viewport: { width: number; height: number };
  /** playwright's launch and default action timeout, ms. */
  timeout?: number;
  executable?: string;
}

/** Throws when the executable is missing, saying how to install it (as .ci/run does). */
export async function launchChromium(opts: LaunchOptions): Promise<Browser> {
  const executable = opts.executable ?? CHROMIUM;
  if (!existsSync(executable)) {
    throw new Error(`${executable} is missing: apt-get install chromium (as .ci/run does)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'scs-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: executable,
      headless: true,
      args: ARGS,
      viewport: opts.viewport,
      ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
