import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { run } from '../../src/cli/mdb.ts';
import { corpusDir } from '../support/xtce-corpus.ts';

const REAL = corpusDir();

async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, {
    stdout: {
      write: (s: string) => {
        out += s;
        return true;
      },
    },
    stderr: {
      write: (s: string) => {
        err += s;
        return true;
      },
    },
  });
  return { code, out, err };
}

describe('cli/scs mdb check', () => {
  it('exit 0 when everything imports, 1 when partly (a table of findings by line), on the real corpus', async function () {
    if (REAL === undefined) this.skip();
    const all = await check('check', `${REAL}jpss1-geolocation.xml`);
    expect(all.code).to.equal(0);
    expect(all.out).to.match(/imports entirely\n {2}parameters 27, derived 0, containers 1,/);

    const partly = await check('check', `${REAL}Diagnostic_Log_Packets.xml`);
    expect(partly.code).to.equal(1);
    expect(partly.out).to.include('imports partly');
    expect(partly.out).to.match(/LINE {2}RULE +ELEMENT +FINDING/);
    expect(partly.out).to.match(
      /\n +112 {2}xtceUnsupported {2}IntegerDataEncoding +<IntegerDataEncoding> of 64 bits is not supported .*left out: Diag_Formats\.REC_TIME/,
    );
    const lines = [...partly.out.matchAll(/\n +(\d+) {2}xtce/g)].map((m) => Number(m[1]));
    expect(lines).to.deep.equal(lines.toSorted((a, b) => a - b));

    const strict = await check('check', '--strict', `${REAL}Diagnostic_Log_Packets.xml`);
    expect(strict.code).to.equal(2);
    expect(strict.out).to.include('refused');

    const json = await check('check', '--json', `${REAL}Diagnostic_Log_Packets.xml`);
    const report = JSON.parse(json.out);
    expect(report).to.include({ ok: true, parameters: 15, containers: 0 });
    expect(report.findings[0]).to.include({ line: 97, rule: 'xtceUnsupported' });
  });

  it('exit 2 when nothing is usable or the file cannot be read or parsed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mdb-check-'));
    try {
      writeFileSync(join(dir, 'empty.xml'), '<SpaceSystem name="X"><Header version="1"/></SpaceSystem>');
      const nothing = await check('check', join(dir, 'empty.xml'));
      expect(nothing.code).to.equal(2);
      expect(nothing.err).to.include('no parameter SCS can use remains');
      writeFileSync(join(dir, 'bad.xml'), '<SpaceSystem name="X">');
      expect((await check('check', join(dir, 'bad.xml'))).code).to.equal(2);
      expect((await check('check', join(dir, 'missing.xml'))).err).to.include('file not found');
      expect((await check('lint', 'x')).code).to.equal(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
