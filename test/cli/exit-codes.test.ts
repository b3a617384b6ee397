// Every command-line usage error exits 2, whichever way node:util's parseArgs words it.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { SCS_CLI } from '../support/process.ts';

const run = (args: string[]) => spawnSync(process.execPath, [SCS_CLI, ...args], { encoding: 'utf8' });

describe('scs command line: usage errors exit 2', function () {
  this.timeout(30_000);

  for (const args of [
    ['serve', '--port'],
    ['serve', 'extra'],
    ['token', '--help=yes'],
    ['check-config', '--nope', 'x.json'],
  ]) {
    it(`scs ${args.join(' ')}`, () => {
      const r = run(args);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
    });
  }
});
