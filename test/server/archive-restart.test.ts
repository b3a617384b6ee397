import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { STREAMS, type Stream } from '../../protocol/constants.ts';
import type { ArchiveConfig } from '../../src/config/schema.ts';
import type { RingSetBuffers } from '../../src/ring/ring.ts';
import { ArchiveThread } from '../../src/server/archive.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { RESTART_BACKOFF } from '../../src/util/restart.ts';
import { RingSetWriter, ringSet, writeRecords } from '../archive/fixtures/rings.ts';
import { LogCapture } from '../support/log-capture.ts';
import { collectRecords, connect, frame, request, startTestServer } from '../support/server.ts';

interface Line {
  msg: string;
  code?: string;
  attempt?: number;
  delayMs?: number;
  event?: { kind: string; stream?: string; positions?: number };
}

class Log extends LogCapture<Line> {}

const restarting = (l: Line) => l.msg === 'archive recorder thread ended; restarting';
const restarted = (l: Line) => l.msg === 'archive recorder restarted';
const CONFIG: ArchiveConfig = {
  enabled: true,
  file: 'archive.db',
  commitMs: 10,
  maxAgeDays: 0,
  maxBytes: 0,
  parameterKeyIndex: false,
};
/** Jitter at its low end: each delay is half its ceiling. */
const LOW = () => 0;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Reads the archive file from its own connection (the recorder's may be mid-transaction). */
function archived(path: string, stream: Stream): { seqs: number[]; holes: { seq: number; lost: number }[] } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const seqs = db.prepare(`SELECT seq FROM ${stream} ORDER BY seq`).all() as { seq: number }[];
    const holes = db
      .prepare('SELECT seq, lost FROM holes WHERE stream = ? ORDER BY seq')
      .all(STREAMS.indexOf(stream)) as { seq: number; lost: number }[];
    return { seqs: seqs.map((r) => r.seq), holes: holes.map((h) => ({ seq: h.seq, lost: h.lost })) };
  } finally {
    db.close();
  }
}

/** Waits (bounded) until the archive's last frame is `seq`: the recorder commits every 10 ms. */
async function committed(path: string, seq: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (archived(path, 'frames').seqs.at(-1) === seq) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  expect.fail(`frame ${seq} was not archived within 2 s`);
}

describe('server/archive recorder restarts', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function setup(rings: RingSetBuffers) {
    const dir = mkdtempSync(join(tmpdir(), 'archive-restart-'));
    dirs.push(dir);
    const clock = new FakeClock(1_000);
    const log = new Log();
    const { thread } = await ArchiveThread.start(CONFIG, dir, rings, 'silent', log.logger, {
      clock,
      random: LOW,
    });
    return { clock, log, thread, writer: new RingSetWriter(rings), path: join(dir, CONFIG.file) };
  }

  /** Kills the recorder thread as a crash would, and waits until the restart is scheduled. */
  async function kill(thread: ArchiveThread, log: Log): Promise<Line> {
    const scheduled = log.next(restarting);
    await thread.recorder!.terminate();
    const line = await scheduled;
    expect(thread.running).to.equal(false);
    expect(thread.recorder).to.equal(null);
    expect(thread.lastErrorCode).to.equal('ERR_RECORDER_EXITED');
    return line;
  }

  it('restarts a killed recorder, which records on with no gap what the rings still held', async () => {
    const { clock, log, thread, writer, path } = await setup(ringSet(4096));
    writeRecords(writer, 1, 300);
    await committed(path, 300);
    // Records keep flowing around the kill: some are in the open transaction when it dies.
    writeRecords(writer, 301, 600, { batch: 10 });
    const line = await kill(thread, log);
    expect(line).to.include({
      code: 'ERR_RECORDER_EXITED',
      attempt: 1,
      delayMs: RESTART_BACKOFF.firstMs / 2,
    });
    writeRecords(writer, 601, 900);
    const back = log.next(restarted);
    clock.advance(RESTART_BACKOFF.firstMs / 2);
    await back;
    expect(thread.running).to.equal(true);
    expect(thread.restarts).to.equal(1);
    expect(thread.lastErrorCode).to.equal(undefined);
    writeRecords(writer, 901, 1000);
    await thread.stop();
    for (const stream of STREAMS)
      expect(archived(path, stream)).to.deep.equal({ seqs: range(1, 1000), holes: [] });
    expect(log.lines.filter((l) => l.event?.kind === 'lost')).to.deep.equal([]);
  });

  it('records what a small ring overwrote during the outage as a hole with its count', async () => {
    const { clock, log, thread, writer, path } = await setup(ringSet(4096, 8));
    writeRecords(writer, 1, 5, { rings: [0] });
    await committed(path, 5);
    await kill(thread, log);
    // One commit of 95 frames into the 8-slot ring: it keeps only 93..100.
    writeRecords(writer, 6, 100, { rings: [0], batch: 1000 });
    const back = log.next(restarted);
    clock.advance(RESTART_BACKOFF.firstMs / 2);
    await back;
    writeRecords(writer, 101, 105, { rings: [0] });
    await thread.stop();
    expect(archived(path, 'frames')).to.deep.equal({
      seqs: [...range(1, 5), ...range(93, 105)],
      holes: [{ seq: 93, lost: 87 }],
    });
    expect(log.lines.filter((l) => l.event?.kind === 'lost').map((l) => l.event)).to.deep.equal([
      { kind: 'lost', stream: 'frames', positions: 87 },
    ]);
  });

  it('counts only the overwritten ring positions as lost when the seq gap also holds a jump', async () => {
    const first = await setup(ringSet(4096, 8));
    writeRecords(first.writer, 1, 5, { rings: [0] });
    await first.thread.stop();
    // The next run jumped seq to 1000 (after a crash) and its ring overran before a recorder read it.
    const rings = ringSet(4096, 8);
    writeRecords(new RingSetWriter(rings), 1000, 1100, { rings: [0], batch: 1000 });
    const log = new Log();
    const dir = join(first.path, '..');
    const { thread } = await ArchiveThread.start(CONFIG, dir, rings, 'silent', log.logger);
    await thread.stop();
    expect(archived(first.path, 'frames')).to.deep.equal({
      seqs: [...range(1, 5), ...range(1093, 1100)],
      holes: [{ seq: 1093, lost: 93 }],
    });
  });

  it('doubles the delay for a recorder that dies again soon, and stop() cancels a pending restart', async () => {
    const { clock, log, thread } = await setup(ringSet(64));
    await kill(thread, log);
    const back = log.next(restarted);
    clock.advance(RESTART_BACKOFF.firstMs / 2);
    await back;
    // Dead again well within stableMs: the backoff goes on from where it was.
    expect(await kill(thread, log)).to.include({ attempt: 2, delayMs: RESTART_BACKOFF.firstMs });
    expect(clock.pending()).to.equal(1);
    const stopping = thread.stop();
    expect(thread.stop()).to.equal(stopping);
    await stopping;
    expect(clock.pending()).to.equal(0);
    clock.advance(RESTART_BACKOFF.maxMs);
    expect(thread.recorder).to.equal(null);
    expect(thread.restarts).to.equal(1);
    await thread.stop();
  });

  it('a recorder that ran stably before it died starts the backoff over', async () => {
    const { clock, log, thread } = await setup(ringSet(64));
    await kill(thread, log);
    const back = log.next(restarted);
    clock.advance(RESTART_BACKOFF.firstMs / 2);
    await back;
    clock.advance(RESTART_BACKOFF.stableMs);
    expect(await kill(thread, log)).to.include({ attempt: 1, delayMs: RESTART_BACKOFF.firstMs / 2 });
    await thread.stop();
  });
});

describe('server/archive recorder restarts: health and metrics', () => {
  async function health(server: ScsServer): Promise<{ status: number; detail: Record<string, unknown> }> {
    const r = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
    return { status: r.status, detail: ((await r.json()) as { detail: Record<string, unknown> }).detail };
  }

  it('reports the archive down (503, with its code) while the recorder restarts; live data goes on', async () => {
    const server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
    try {
      const c = await connect(server);
      await c.request(request());
      expect(await health(server)).to.deep.include({ status: 200 });
      await server.archiveRecorder()!.terminate();
      const down = await health(server);
      expect(down.status).to.equal(503);
      expect(down.detail).to.include({
        archive: false,
        archiveError: 'ERR_RECORDER_EXITED',
        acquisition: true,
      });
      // Distribution does not wait for the recorder.
      await server.inject([frame(1), frame(2)]);
      expect((await collectRecords(c, 2)).map((r) => r.seq)).to.deep.equal([1, 2]);
      // The first restart is due within 0.5 s (the server's own clock): poll for it, bounded.
      let up = down;
      for (let i = 0; i < 40 && up.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        up = await health(server);
      }
      expect(up.status).to.equal(200);
      expect(up.detail).to.include({ archive: true }).and.not.have.property('archiveError');
      const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
      expect(metrics).to.match(/^scs_archive_recorder_restarts_total 1$/m);
      await c.close();
    } finally {
      await server.close();
    }
  });
});
