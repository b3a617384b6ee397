// `scs --help`, `--version` and the client commands start without loading the server: each
// command imports its own modules when it runs. Checked by listing every module a run loads
// (a module.registerHooks load hook given with --import), not by timing (docs/PERFORMANCE.md).
import { expect } from 'chai';
import { runProcess, SCS_CLI } from '../support/process.ts';

const HOOK = `import { registerHooks } from 'node:module';
registerHooks({ load(url, context, next) { process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); } });`;

async function loaded(args: string[]): Promise<string[]> {
  const r = await runProcess(process.execPath, [
    '--import',
    `data:text/javascript,${encodeURIComponent(HOOK)}`,
    SCS_CLI,
    ...args,
  ]);
  expect(r.code, r.stderr).to.equal(0);
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice(7));
}

/**
 * The server and what only it needs: its modules (node-check.ts, the Node version test, aside),
 * the thread areas, the archive (its error codes aside), the thread pool, the metrics library.
 * actors/request.ts and request-applies.ts are the REQUEST validation (rev B §5.1 included), which
 * fetch shares to check its options.
 */
const SERVER =
  /\/src\/server\/(?!node-check\.ts)|\/src\/(actors\/(?!request(-applies)?\.ts)|acquisition\/|archive\/(?!errors\.ts)|ring\/|web\/)|piscina|prom-client|node:sqlite/;

describe('fast CLI: no server modules for --help and the client commands', function () {
  this.timeout(60_000);

  for (const args of [
    ['--help'],
    ['--version'],
    ['tail', '--help'],
    ['status', '--help'],
    ['fetch', '--help'],
  ]) {
    it(`scs ${args.join(' ')}`, async () => {
      const urls = await loaded(args);
      expect(urls.some((u) => u.endsWith('/src/cli.ts'))).to.equal(true);
      expect(urls.filter((u) => SERVER.test(u))).to.deep.equal([]);
    });
  }

  it('scs serve --help loads only what serve needs to print its usage', async () => {
    const urls = await loaded(['serve', '--help']);
    expect(urls.filter((u) => /piscina|\/src\/actors\//.test(u))).to.deep.equal([]);
  });
});
