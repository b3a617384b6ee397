import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { ArchiveReader } from '../../src/archive/query.ts';
import { ArchiveStore } from '../../src/archive/store.ts';
import { CRASH_BATCH as BATCH, payloadOf, tempDir } from './fixtures/records.ts';

describe('archive: crash safety', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('after kill -9 during heavy recording, opens cleanly and holds every record up to the last committed batch', async () => {
    const path = tmp.file('crash.db');
    const child = spawn(
      process.execPath,
      [new URL('./fixtures/crash-child.ts', import.meta.url).pathname, path],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let lastCommitted = 0;
    let text = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const lines = text.split('\n');
        text = lines.pop() ?? '';
        for (const line of lines) lastCommitted = Number(line);
        // Killed in the middle of a later batch, with a few dozen batches committed.
        if (lastCommitted >= 40 * BATCH) resolve();
      });
    });
    child.removeAllListeners('exit');
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    const [, signal] = await exited;
    expect(signal).to.equal('SIGKILL');

    const check = new DatabaseSync(path);
    expect(check.prepare('PRAGMA integrity_check').all()).to.deep.equal([{ integrity_check: 'ok' }]);
    check.close();
    const store = new ArchiveStore(path);
    const last = store.lastSeq('frames');
    expect(last).to.be.at.least(lastCommitted);
    expect(last % BATCH, 'whole batches only').to.equal(0);
    expect(store.lastSeq('parameters')).to.equal(last);
    store.close();
    const reader = new ArchiveReader(path);
    const rows = [...reader.since('frames', 0, undefined, 5000)].flat();
    reader.close();
    expect(rows.length).to.equal(last);
    rows.forEach((r, i) => {
      expect(r.seq).to.equal(i + 1);
      if (!Buffer.from(r.payload).equals(payloadOf(0, r.seq))) expect.fail(`payload of seq ${r.seq} differs`);
    });
  });
});
