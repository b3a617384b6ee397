// Issue 11 item 7: `scs check-config` and `scs serve` run the same validation
// (src/server/preflight.ts). Configurations that only serve used to refuse: check-config now
// refuses them too, and serve refuses them before anything starts: exit 2, one line naming the file.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { scs } from '../support/process.ts';
import { testAgencies } from '../support/server.ts';

describe('check-config and serve run the same validation (issue 11 item 7)', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'scs-preflight-'));
  const config = (name: string, extra: Record<string, unknown>) => {
    const stateDir = mkdtempSync(join(dir, 'state-'));
    const file = join(dir, name);
    writeFileSync(
      file,
      JSON.stringify({
        server: { port: 0, httpPort: 0, host: '127.0.0.1', stateDir },
        agencies: testAgencies(),
        log: { level: 'silent' },
        ...extra,
      }),
    );
    return { file, stateDir };
  };
  const badXtce = join(dir, 'broken.xml');
  writeFileSync(badXtce, '<SpaceSystem name="x"><TelemetryMetaData><ParameterSet>');
  const link = {
    id: 'gs1',
    station: 'GS1',
    transport: { kind: 'udp', port: 0 },
    frame: { type: 'tm', length: 1115 },
  };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'anonymous.json',
      { display: { enabled: true, anonymousAgency: 'nobody' } },
      /anonymousAgency: no agency nobody/,
    ],
    ['links.json', { simulator: { enabled: true }, links: [link] }, /simulator\.enabled is true/],
    ['xtce.json', { mdb: { file: badXtce } }, /broken\.xml/],
  ];

  for (const [name, extra, why] of cases) {
    it(`${name}: check-config and serve both exit 2 with one line naming the file`, async () => {
      const { file, stateDir } = config(name, extra);
      const [check, serve] = await Promise.all([
        scs(['check-config', file]),
        scs(['serve', '--config', file]),
      ]);
      for (const [what, r] of [
        ['check-config', check],
        ['serve', serve],
      ] as const) {
        expect(r.code, `${what}: ${r.stderr}${r.stdout}`).to.equal(2);
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines, what).to.have.length(1);
        expect(lines[0], what).to.match(
          new RegExp(`^scs: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `),
        );
        expect(lines[0], what).to.match(why);
      }
      expect(check.stderr).to.equal(serve.stderr);
      // serve stopped before it wrote anything to its state directory.
      expect(readdirSync(stateDir)).to.deep.equal([]);
    });
  }
});
