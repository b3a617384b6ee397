// `npm test`'s pretest step: installs from Debian what the test suite drives and npm cannot bring
// (today Chromium, for the Open MCT browser test), so `npm install` then `npm test` passes on a
// fresh machine with nothing installed by hand. It says what it installs and why; it installs
// nothing when everything is there. `.ci/run` does the same before `npm ci`.
//
// SCS_PRETEST_CHROMIUM overrides the browser path checked (tests of this script).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface Tool {
  /** The file whose absence means the tool is missing. */
  path: string;
  /** The Debian package that provides it. */
  deb: string;
  why: string;
}

const TOOLS: readonly Tool[] = [
  {
    path: process.env.SCS_PRETEST_CHROMIUM ?? '/usr/bin/chromium',
    deb: 'chromium',
    why: 'the Open MCT display test drives a headless Chromium',
  },
];

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error?.message ?? `exit code ${r.status}`;
    console.error(
      `pretest: ${command} ${args.join(' ')} failed (${why}); install it by hand and run npm test again`,
    );
    process.exit(1);
  }
}

const missing = TOOLS.filter((t) => !existsSync(t.path));
if (missing.length > 0) {
  for (const t of missing)
    console.log(`pretest: ${t.path} is missing (${t.why}): installing Debian's ${t.deb}`);
  const root = process.getuid?.() === 0;
  const apt = (args: string[]) => (root ? run('apt-get', args) : run('sudo', ['apt-get', ...args]));
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', ...missing.map((t) => t.deb)]);
  const still = missing.filter((t) => !existsSync(t.path));
  if (still.length > 0) {
    console.error(`pretest: ${still.map((t) => t.path).join(', ')} still missing after apt-get install`);
    process.exit(1);
  }
  console.log(`pretest: installed ${missing.map((t) => t.deb).join(', ')}`);
}
