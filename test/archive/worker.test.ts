import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import type { FromRecorder, RecorderWorkerData } from '../../src/archive/messages.ts';
import { ArchiveReader } from '../../src/archive/query.ts';
import { ArchiveStore } from '../../src/archive/store.ts';
import { tempDir } from './fixtures/records.ts';
import { RingSetWriter, ringSet, writeRecords } from './fixtures/rings.ts';

function startWorker(data: RecorderWorkerData) {
  const worker = new Worker(new URL('../../src/archive/recorder-worker.ts', import.meta.url), {
    workerData: data,
  });
  const exited = once(worker, 'exit');
  /** The next message of `kind`; a `fatal` message (unless awaited) or an exit rejects it. */
  const next = (kind: FromRecorder['kind']) =>
    new Promise<FromRecorder>((resolve, reject) => {
      const onMessage = (m: FromRecorder) => {
        if (m.kind === kind) resolve(m);
        else if (m.kind === 'fatal') reject(new Error(`recorder thread: ${m.message}`));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      void exited.then(() => reject(new Error(`the thread ended before '${kind}'`)));
    });
  return { worker, next, exited };
}

describe('archive: recorder thread', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('reports the last seqs, records on its own thread, and on stop commits, closes and ends', async () => {
    const path = tmp.file('worker.db');
    const seed = new ArchiveStore(path);
    seed.close();
    const rings = ringSet();
    const w = startWorker({ rings, path, recorder: { commitMs: 20 }, logLevel: 'silent' });
    const ready = await w.next('ready');
    expect(ready).to.deep.equal({
      kind: 'ready',
      lastSeq: { frames: 0, packets: 0, parameters: 0, events: 0 },
    });
    writeRecords(new RingSetWriter(rings), 1, 1000);
    w.worker.postMessage({ kind: 'stop' });
    const stopped = await w.next('stopped');
    await w.exited;
    expect(stopped.kind === 'stopped' && stopped.counters.records).to.deep.equal({
      frames: 1000,
      packets: 1000,
      parameters: 1000,
      events: 1000,
    });
    const reader = new ArchiveReader(path);
    expect([...reader.since('events', 0)].flat().map((r) => r.seq)).to.have.length(1000);
    reader.close();
  });

  it('checkpoints the WAL on its own checkpointer thread while recording', async () => {
    const path = tmp.file('checkpoint.db');
    const rings = ringSet();
    const w = startWorker({ rings, path, recorder: { commitMs: 10 }, logLevel: 'silent' });
    await w.next('ready');
    const pages = () => statSync(path).size;
    const empty = pages();
    writeRecords(new RingSetWriter(rings), 1, 3000);
    // The recorder's own connection checkpoints only past 256 MiB of WAL: the file grows because
    // the checkpointer copied the committed pages into it.
    for (const deadline = Date.now() + 5000; pages() === empty; ) {
      if (Date.now() > deadline) expect.fail('the database file never received the WAL pages');
      await new Promise((r) => setTimeout(r, 20));
    }
    w.worker.postMessage({ kind: 'stop' });
    await w.next('stopped');
    await w.exited;
    // Closed cleanly as the last connection: the WAL is gone, everything is in the file.
    expect(existsSync(`${path}-wal`)).to.equal(false);
  });

  it('reports a failure to open the archive as fatal with its code', async () => {
    const w = startWorker({ rings: ringSet(), path: tmp.file('no/such/dir/a.db'), logLevel: 'silent' });
    const fatal = await w.next('fatal');
    expect(fatal).to.have.property('code', 'ERR_SQLITE_ERROR');
    await w.exited;
  });
});
