import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { Limit, STREAMS } from '../../protocol/constants.ts';
import type { SourceSpec } from '../../src/acquisition/index.ts';
import { DEMO_MISSION_FILE, sourceDictionary } from '../../src/acquisition/index.ts';
import type { AcquisitionWorkerData, FromAcquisition, InjectRecord } from '../../src/acquisition/messages.ts';
import { SIM_DICTIONARY } from '../../src/acquisition/sim-dictionary.ts';
import type { SimulatorConfig } from '../../src/acquisition/simulator.ts';
import { loadMdb, readMdbText } from '../../src/mdb/load.ts';
import { ControlBlock } from '../../src/ring/layout.ts';
import { AcquisitionThread } from '../../src/server/acquisition.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { type Buffers, createBuffers, Drain, expectIcdShape, expectSeqRun } from './support.ts';

const ENTRY = new URL('../../workers/acquisition.ts', import.meta.url);
const SIM: SimulatorConfig = {
  enabled: true,
  scid: 42,
  station: 'SIM-GS',
  frameRateHz: 100,
  frameLength: 1115,
  seed: 3,
  dataBreaks: { everySec: 0, durationSec: 0 },
};
const MDB = loadMdb(DEMO_MISSION_FILE);
const ENTRIES = Math.max(SIM_DICTIONARY.length, MDB.parameters.length);

interface Thread {
  worker: Worker;
  buffers: Buffers;
  control: ControlBlock;
  /** Resolves with the next message of that kind; rejects if the thread ends first. */
  next<K extends FromAcquisition['kind']>(kind: K): Promise<Extract<FromAcquisition, { kind: K }>>;
  exited: Promise<number>;
}

/** `mdbFile` null: a thread without a mission database. */
function spawn(source: SourceSpec, mdbFile: string | null = DEMO_MISSION_FILE): Thread {
  const buffers = createBuffers(ENTRIES);
  const workerData: AcquisitionWorkerData = {
    ...buffers,
    source,
    logLevel: 'silent',
    ...(mdbFile === null ? {} : { mdb: readMdbText(mdbFile) }),
  };
  const worker = new Worker(ENTRY, { workerData });
  worker.on('error', () => {}); // asserted through 'fatal' and the exit code
  // Not events.once: it would reject on the worker's 'error' event.
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const inbox: FromAcquisition[] = [];
  const waiters: (() => void)[] = [];
  worker.on('message', (m: FromAcquisition) => {
    inbox.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const next = <K extends FromAcquisition['kind']>(kind: K) =>
    new Promise<Extract<FromAcquisition, { kind: K }>>((resolve, reject) => {
      const look = () => {
        const i = inbox.findIndex((m) => m.kind === kind);
        if (i >= 0) resolve(inbox.splice(i, 1)[0] as Extract<FromAcquisition, { kind: K }>);
        else waiters.push(look);
      };
      look();
      void exited.then(() => setImmediate(() => reject(new Error(`thread exited before '${kind}'`))));
    });
  return { worker, buffers, control: new ControlBlock(buffers.rings.control), next, exited };
}

const ERT = 1_700_000_000_000_000;
const AOCS_MODE = SIM_DICTIONARY.findIndex((p) => p.name === 'AOCS.MODE');

describe('acquisition worker (real thread)', () => {
  it('writes injected records, answers with the heads, follows link messages and stops', async () => {
    const t = spawn({ kind: 'test', options: { mode: 'inject' } });
    await t.next('ready');
    expect(t.control.linkUp()).to.equal(true);
    const data = Uint8Array.from({ length: 1115 }, (_, i) => i & 0xff);
    const records: InjectRecord[] = [
      { stream: 'frames', rec: { ert: ERT, station: 'GS', scid: 42, vcid: 1, vcfc: 3, quality: 8, data } },
      {
        stream: 'packets',
        rec: {
          ert: ERT,
          scet: ERT - 9,
          station: 'GS',
          scid: 42,
          vcid: 1,
          apid: 100,
          ssc: 5,
          quality: 0,
          data: data.subarray(6, 40),
        },
      },
      {
        stream: 'parameters',
        rec: { param: 0, scet: ERT - 9, ert: ERT, raw: 28_000, eng: 28, limit: Limit.OK, quality: 0 },
      },
      {
        stream: 'parameters',
        rec: {
          param: AOCS_MODE,
          scet: ERT - 9,
          ert: ERT,
          raw: 0,
          eng: 'SAFE',
          limit: Limit.STATE_ALARM,
          quality: 0,
        },
      },
      {
        stream: 'events',
        rec: {
          time: ERT,
          severity: 'CRITICAL',
          source: 'AOCS',
          type: 'MODE_CHANGE',
          message: 'x',
          parameter: 'AOCS.MODE',
          value: 'SAFE',
        },
      },
    ];
    t.worker.postMessage({ kind: 'inject', records });
    expect((await t.next('injected')).heads).to.deep.equal([1, 1, 2, 1]);

    const got = new Drain(t.buffers.rings).takeAll();
    for (const s of STREAMS) {
      expectSeqRun(got[s], 1);
      for (const r of got[s]) expectIcdShape(s, r.rec);
    }
    expect(got.frames[0]!.rec).to.deep.equal({ seq: 1, ...records[0]!.rec });
    expect(got.packets[0]!.rec).to.deep.equal({ seq: 1, ...records[1]!.rec });
    expect(got.parameters.map((r) => [r.rec.name, r.rec.eng, r.rec.limit, r.meta.key1])).to.deep.equal([
      ['EPS.BUS_V', 28, 'OK', 0],
      ['AOCS.MODE', 'SAFE', 'STATE_ALARM', AOCS_MODE],
    ]);
    expect(got.events[0]!.rec).to.include({ seq: 1, severity: 'CRITICAL', parameter: 'AOCS.MODE' });
    expect(got.events[0]!.meta).to.include({ key1: 3, key2: AOCS_MODE });

    // Messages are handled in order: once the second inject is answered, the link message was applied.
    t.worker.postMessage({ kind: 'link', up: false });
    t.worker.postMessage({ kind: 'inject', records: [records[0]!] });
    expect((await t.next('injected')).heads).to.deep.equal([2, 1, 2, 1]);
    expect(t.control.linkUp()).to.equal(false);
    t.worker.postMessage({ kind: 'link', up: true });
    t.worker.postMessage({ kind: 'stop' });
    await t.next('stopped');
    expect(await t.exited).to.equal(0);
    expect(t.control.linkUp()).to.equal(false, 'nothing acquires after stop');
  });

  it('runs the simulator in real time', async () => {
    const t = spawn({ kind: 'simulator', config: SIM });
    await t.next('ready');
    const drain = new Drain(t.buffers.rings);
    const frames: ReturnType<Drain['take']> = [];
    const deadline = Date.now() + 5_000;
    while (frames.length < 10 && Date.now() < deadline) {
      const bell = t.control.doorbell();
      frames.push(...drain.take('frames'));
      if (frames.length < 10) await t.control.waitDoorbell(bell, 1_000);
    }
    expect(frames.length).to.be.at.least(10);
    for (const f of frames) expectIcdShape('frames', f.rec);
    expectSeqRun(frames, 1);
    const names = new Set(drain.take('parameters').map((p) => p.rec.name));
    expect(names).to.include.all.keys('EPS.BUS_V', 'PKT.SCET', 'EPS.BUS_POWER');
    const ertNow = Date.now() * 1000;
    expect(frames.at(-1)!.meta.ert).to.be.within(ertNow - 5_000_000, ertNow + 1_000);
    t.worker.postMessage({ kind: 'stop' });
    await t.next('stopped');
    expect(await t.exited).to.equal(0);
  });

  it('keeps serving messages while saturating, committing whole batches', async () => {
    const t = spawn({
      kind: 'test',
      options: { mode: 'saturate', batch: 16, frameLength: 256, vcids: [2, 3] },
    });
    await t.next('ready');
    const reader = new Drain(t.buffers.rings).reader;
    while (reader.head(0) < 64) await t.control.waitDoorbell(t.control.doorbell(), 1_000);
    t.worker.postMessage({ kind: 'stop' });
    await t.next('stopped');
    expect(reader.head(0) % 16).to.equal(0);
    expect(await t.exited).to.equal(0);
  });

  it('refuses control without a mission database; reports a failure as fatal, with its code, and ends', async () => {
    const t = spawn({ kind: 'test', options: { mode: 'inject' } }, null);
    await t.next('ready');
    t.worker.postMessage({ kind: 'control', id: 1, msg: { op: 'overrides' } });
    expect((await t.next('control-reply')).error).to.include({ code: 'ERR_NO_MDB' });
    const bad: InjectRecord = {
      stream: 'parameters',
      rec: { param: 999, scet: 0, ert: 0, raw: 0, eng: 0, limit: Limit.OK, quality: 0 },
    };
    t.worker.postMessage({ kind: 'inject', records: [bad] });
    expect(await t.next('fatal')).to.include({ code: 'ERR_UNKNOWN_PARAMETER' });
    expect(await t.exited).to.equal(1);
  });

  it('reports a source that cannot start as fatal before ready', async () => {
    const t = spawn({ kind: 'simulator', config: { ...SIM, frameLength: 100 } });
    const fatal = await t.next('fatal');
    expect(fatal.code).to.equal('ERR_SIMULATOR_CONFIG');
    expect(fatal.message).to.match(/frameLength/);
    expect(await t.exited).to.equal(1);
  });

  it('answers control requests through the mission database handler, without ending acquisition', async () => {
    const t = spawn({ kind: 'test', options: { mode: 'inject' } });
    await t.next('ready');
    t.worker.postMessage({ kind: 'control', id: 7, msg: { op: 'overrides' } });
    const ok = await t.next('control-reply');
    expect(ok.id).to.equal(7);
    expect(ok.error).to.equal(undefined);
    expect(ok.reply).to.include({ ok: true, op: 'overrides' });
    t.worker.postMessage({ kind: 'control', id: 8, msg: { op: 'noSuchOp' } });
    const refused = await t.next('control-reply');
    expect(refused).to.deep.include({ id: 8 });
    expect(refused.reply).to.include({ ok: false });
    t.worker.postMessage({ kind: 'stop' });
    await t.next('stopped');
    expect(await t.exited).to.equal(0);
  });

  it('AcquisitionThread.control resolves with the reply, and rejects once the thread is not running', async () => {
    const buffers = createBuffers(ENTRIES);
    const thread = new AcquisitionThread(
      {
        ...buffers,
        source: { kind: 'test', options: { mode: 'inject' } },
        mdb: readMdbText(DEMO_MISSION_FILE),
        logLevel: 'silent',
      },
      silentLogger(),
    );
    await thread.start();
    const [a, b] = await Promise.all([
      thread.control({ op: 'overrides' }),
      thread.control({ op: 'overrides' }),
    ]);
    expect(a).to.include({ ok: true });
    expect(b).to.deep.equal(a);
    await thread.stop();
    const err = await thread.control({ op: 'overrides' }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'ERR_ACQUISITION_NOT_RUNNING');
  });

  it('computes the dictionary on the main thread without starting a source', () => {
    expect(sourceDictionary({ kind: 'simulator', config: SIM }, MDB).map((p) => p.name)).to.deep.equal(
      MDB.parameters.map((p) => p.name),
    );
    expect(sourceDictionary({ kind: 'test', options: { mode: 'inject' } }, MDB)).to.equal(SIM_DICTIONARY);
    const bad = { kind: 'replay' } as unknown as SourceSpec;
    expect(() => sourceDictionary(bad, MDB))
      .to.throw()
      .with.property('code', 'ERR_SOURCE_SPEC');
  });
});
