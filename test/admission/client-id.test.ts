import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { bootId, formatClientId } from '../../src/admission/client-id.ts';

function fakeClock(start: number): { nowMs(): number; set(ms: number): void } {
  let now = start;
  return { nowMs: () => now, set: (ms) => (now = ms) };
}

describe('admission/client-id', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'scs-client-id-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the state directory and persists the boot id', () => {
    const dir = join(root, 'state', 'nested');
    const id = bootId(dir, fakeClock(1_700_000_000_000));
    expect(id).to.equal((1_700_000_000_000).toString(36));
    expect(JSON.parse(readFileSync(join(dir, 'boot.json'), 'utf8'))).to.deep.equal({
      bootId: 1_700_000_000_000,
    });
    expect(readdirSync(dir)).to.deep.equal(['boot.json']);
  });

  it('stays strictly increasing when the clock steps back or stands still', () => {
    const clock = fakeClock(5_000_000);
    const ids = [bootId(root, clock)];
    clock.set(4_000_000);
    ids.push(bootId(root, clock), bootId(root, clock));
    clock.set(4_999_999);
    ids.push(bootId(root, clock));
    clock.set(9_000_000);
    ids.push(bootId(root, clock));
    expect(ids.map((id) => Number.parseInt(id, 36))).to.deep.equal([
      5_000_000, 5_000_001, 5_000_002, 5_000_003, 9_000_000,
    ]);
    expect(readdirSync(root)).to.deep.equal(['boot.json']);
  });

  it('uses the wall clock by default', () => {
    const before = Date.now();
    const id = Number.parseInt(bootId(root), 36);
    expect(id).to.be.within(before, Date.now());
  });

  it('gives client ids that differ between boots for the same client number', () => {
    const clock = fakeClock(1000);
    const first = formatClientId(bootId(root, clock), 1);
    const second = formatClientId(bootId(root, clock), 1);
    expect(first).to.equal('rs-1');
    expect(second).to.equal('rt-1');
  });

  it('fails with ERR_STATE_DIR naming the path when the directory cannot be created', () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, '');
    const dir = join(file, 'state');
    expect(() => bootId(dir))
      .to.throw()
      .that.satisfies((err: { code: string; message: string }) => {
        expect(err.code).to.equal('ERR_STATE_DIR');
        expect(err.message).to.include(dir);
        return true;
      });
  });

  it('fails with ERR_STATE_DIR when boot.json cannot be written', () => {
    // A directory where the temp file should go makes the write fail even for root.
    const clock = fakeClock(1000);
    bootId(root, clock);
    const blocker = join(root, `boot.json.${process.pid}.tmp`);
    mkdirSync(blocker);
    expect(() => bootId(root, clock))
      .to.throw()
      .with.property('code', 'ERR_STATE_DIR');
    expect(JSON.parse(readFileSync(join(root, 'boot.json'), 'utf8'))).to.deep.equal({ bootId: 1000 });
  });

  it('refuses a corrupt boot.json instead of risking reused ids', () => {
    for (const text of ['{', 'null', '{"bootId":"x"}', '{"bootId":-1}', '{"bootId":1.5}', '[]']) {
      writeFileSync(join(root, 'boot.json'), text);
      expect(() => bootId(root, fakeClock(1000)), text)
        .to.throw()
        .with.property('code', 'ERR_BOOT_FILE');
    }
  });
});
