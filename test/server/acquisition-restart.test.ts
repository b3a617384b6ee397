import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DEMO_MISSION_FILE } from '../../src/acquisition/index.ts';
import type { AcquisitionWorkerData } from '../../src/acquisition/messages.ts';
import { SIM_DICTIONARY } from '../../src/acquisition/sim-dictionary.ts';
import { loadMdb, readMdbText } from '../../src/mdb/load.ts';
import { AcquisitionThread } from '../../src/server/acquisition.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { RESTART_BACKOFF, restartDelayMs } from '../../src/util/restart.ts';
import { createBuffers } from '../acquisition/support.ts';
import { LogCapture } from '../support/log-capture.ts';
import { sample } from '../support/server.ts';

const STAND_IN = new URL('./acquisition-flaky-worker.ts', import.meta.url).pathname;
/** The stand-in's start failure code (acquisition-flaky-worker.ts). */
const STAND_IN_FAILURE = 'ERR_STAND_IN_START';
const ENTRIES = Math.max(SIM_DICTIONARY.length, loadMdb(DEMO_MISSION_FILE).parameters.length);
const HALF = () => 0.5;

interface Line {
  msg: string;
  code?: string;
  attempt?: number;
  delayMs?: number;
}

class Log extends LogCapture<Line> {}

const restarting = (l: Line) => l.msg.endsWith('; restarting');
const restarted = (l: Line) => l.msg === 'acquisition thread restarted';

function setup(failWhile: string, mdbFile = DEMO_MISSION_FILE) {
  const clock = new FakeClock(1_000);
  const log = new Log();
  // The stand-in reads failWhile from its workerData, next to what the real worker takes.
  const data: AcquisitionWorkerData & { failWhile: string } = {
    ...createBuffers(ENTRIES),
    source: { kind: 'test', options: { mode: 'inject' } },
    mdb: readMdbText(mdbFile),
    logLevel: 'silent',
    failWhile,
  };
  const thread = new AcquisitionThread(data, log.logger, { clock, random: HALF, entry: STAND_IN });
  return { clock, log, thread };
}

/** Makes the running thread fail: a sample for a parameter index the dictionary lacks. */
async function crash(thread: AcquisitionThread): Promise<void> {
  const bad = sample(0, 1);
  bad.rec.param = 10_000;
  await thread.inject([bad]).then(
    () => expect.fail('the thread took a sample it cannot have'),
    () => undefined,
  );
  expect(thread.running).to.equal(false);
}

describe('server/acquisition restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acq-restart-'));

  it('restart delays double from 0.5 s to a 30 s cap, jittered within [½, 1] of the step', () => {
    expect(restartDelayMs(0, () => 0)).to.equal(250);
    expect(restartDelayMs(0, () => 0.999_999)).to.equal(500);
    expect(restartDelayMs(3, HALF)).to.equal(3_000);
    for (const attempt of [6, 7, 50, 10_000]) {
      expect(restartDelayMs(attempt, () => 0.999_999)).to.equal(RESTART_BACKOFF.maxMs);
      expect(restartDelayMs(attempt, () => 0)).to.equal(RESTART_BACKOFF.maxMs / 2);
    }
  });

  it('a first start that fails rejects with its code and is not retried', async () => {
    const marker = join(dir, 'fail-first');
    writeFileSync(marker, '');
    const { clock, thread } = setup(marker);
    const err = await thread.start().catch((e: unknown) => e);
    expect(err).to.have.property('code', STAND_IN_FAILURE);
    expect(thread.running).to.equal(false);
    expect(clock.pending()).to.equal(0);
  });

  it('retries failed restarts with growing delays, logging each code, until the thread comes back', async () => {
    const marker = join(dir, 'fail-restarts');
    const { clock, log, thread } = setup(marker);
    await thread.start();
    try {
      writeFileSync(marker, '');
      const crashed = log.next(restarting);
      await crash(thread);
      expect(await crashed).to.include({ code: 'ERR_UNKNOWN_PARAMETER', attempt: 1, delayMs: 375 });
      expect(thread.lastErrorCode).to.equal('ERR_UNKNOWN_PARAMETER');
      // Each failed attempt schedules the next, further out.
      const delays = [375];
      for (let attempt = 2; attempt <= 4; attempt++) {
        const failed = log.next(restarting);
        clock.advance(delays.at(-1)! - 1);
        expect(thread.restarts).to.equal(attempt - 2);
        clock.advance(1);
        const line = await failed;
        expect(line).to.include({
          code: STAND_IN_FAILURE,
          attempt,
          delayMs: restartDelayMs(attempt - 1, HALF),
        });
        expect(line.msg).to.include(STAND_IN_FAILURE);
        expect(thread.running).to.equal(false);
        expect(thread.lastErrorCode).to.equal(STAND_IN_FAILURE);
        delays.push(line.delayMs!);
      }
      expect(delays).to.deep.equal([375, 750, 1_500, 3_000]);
      // The cause goes away: the next attempt brings acquisition back by itself.
      rmSync(marker);
      const back = log.next(restarted);
      clock.advance(3_000);
      await back;
      expect(thread.running).to.equal(true);
      expect(thread.lastErrorCode).to.equal(undefined);
      expect(thread.restarts).to.equal(4);
      await thread.inject([sample(0, 1)]);
    } finally {
      await thread.stop();
    }
  });

  it('stop() cancels a pending restart', async () => {
    const { clock, log, thread } = setup(join(dir, 'never'));
    await thread.start();
    const crashed = log.next(restarting);
    await crash(thread);
    await crashed;
    expect(clock.pending()).to.equal(1);
    await thread.stop();
    expect(clock.pending()).to.equal(0);
    clock.advance(60_000);
    expect(thread.running).to.equal(false);
  });

  it('a restarted thread decodes with the database last accepted, not the file as it is on disk now', async () => {
    const demo = JSON.parse(readFileSync(DEMO_MISSION_FILE, 'utf8')) as Record<string, unknown>;
    const file = join(dir, 'db.json');
    const v2 = join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify(demo));
    writeFileSync(v2, JSON.stringify({ ...demo, version: 'v2' }));
    const accepted = readMdbText(v2);
    const { clock, log, thread } = setup(join(dir, 'never'), file);
    await thread.start();
    try {
      expect(await thread.control({ op: 'reload', file: 'v2.json' })).to.include({ ok: true });
      expect(thread.database).to.deep.equal(accepted);
      // Since accepted: the reloaded file gains a parameter, the configured one vanishes.
      const parameters = demo.parameters as Record<string, unknown>;
      const extra = { ...parameters, 'XTRA.P': Object.values(parameters)[0] };
      writeFileSync(v2, JSON.stringify({ ...demo, version: 'v3', parameters: extra }));
      rmSync(file);
      const crashed = log.next(restarting);
      await crash(thread);
      await crashed;
      const back = log.next(restarted);
      clock.advance(RESTART_BACKOFF.firstMs);
      await back;
      const reply = (await thread.control({ op: 'overrides' })) as { database: Record<string, unknown> };
      expect(reply.database).to.deep.include({
        version: 'v2',
        file: v2,
        parameters: loadMdb(DEMO_MISSION_FILE).parameters.length,
      });
      // A reload of the edited file is refused as it would be on a thread that never restarted.
      const refused = await thread.control({ op: 'reload', file: 'v2.json' });
      expect(refused).to.include({ ok: false, code: 'ERR_MDB_RESTART_REQUIRED' });
    } finally {
      await thread.stop();
    }
  });
});
