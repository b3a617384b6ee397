import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import {
  Admission,
  type AdmissionBuffers,
  AdmitResult,
  createAdmission,
} from '../../src/admission/admission.ts';
import type { RaceData, RaceOp } from './race-worker.ts';

/** Runs one op list per worker thread, all released at once; returns each worker's results. */
async function race(buffers: AdmissionBuffers, perWorker: RaceOp[][]): Promise<number[][]> {
  const gate = new SharedArrayBuffer(4);
  const workers = perWorker.map((ops) => {
    const workerData: RaceData = { buffers, gate, ops };
    return new Worker(new URL('./race-worker.ts', import.meta.url), { workerData });
  });
  // Listen for 'exit' from the start: a worker ends right after posting its results.
  const exited = workers.map((w) => once(w, 'exit'));
  await Promise.all(workers.map((w) => once(w, 'message')));
  const done = workers.map((w) => once(w, 'message'));
  const go = new Int32Array(gate);
  Atomics.store(go, 0, 1);
  Atomics.notify(go, 0);
  const results = await Promise.all(done);
  await Promise.all(exited);
  return results.map(([r]) => r as number[]);
}

function tally(results: number[][]): Record<AdmitResult, number> {
  const t: Record<AdmitResult, number> = {
    [AdmitResult.OK]: 0,
    [AdmitResult.AGENCY_FULL]: 0,
    [AdmitResult.SERVER_FULL]: 0,
  };
  for (const r of results.flat()) t[r as AdmitResult]++;
  return t;
}

/** 4 workers, `attempts` slots dealt round-robin, each admitting its slots for agency(slot). */
function dealAdmits(attempts: number, agency: (slot: number) => number): RaceOp[][] {
  const perWorker: RaceOp[][] = [[], [], [], []];
  for (let slot = 0; slot < attempts; slot++)
    perWorker[slot % 4].push({ op: 'admit', slot, agency: agency(slot) });
  return perWorker;
}

describe('admission', () => {
  it('admits exactly the agency cap when 4 threads race for it', async () => {
    const buffers = createAdmission([10, 5], 100, 50);
    const results = await race(
      buffers,
      dealAdmits(50, () => 0),
    );
    const t = tally(results);
    expect(t[AdmitResult.OK]).to.equal(10);
    expect(t[AdmitResult.AGENCY_FULL]).to.equal(40);
    const a = new Admission(buffers);
    expect(a.count(0)).to.equal(10);
    expect(a.count(1)).to.equal(0);
    expect(a.total()).to.equal(10);
    const held = Array.from({ length: 50 }, (_, s) => a.agencyOf(s)).filter((x) => x === 0);
    expect(held).to.have.length(10);
  });

  it('enforces the server cap across agencies and gives the agency count back on SERVER_FULL', async () => {
    const buffers = createAdmission([10, 10], 12, 40);
    const results = await race(
      buffers,
      dealAdmits(40, (slot) => slot % 2),
    );
    const t = tally(results);
    expect(t[AdmitResult.OK]).to.equal(12);
    expect(t[AdmitResult.SERVER_FULL]).to.be.greaterThan(0);
    expect(t[AdmitResult.AGENCY_FULL] + t[AdmitResult.SERVER_FULL]).to.equal(28);
    const a = new Admission(buffers);
    expect(a.total()).to.equal(12);
    for (const agency of [0, 1]) {
      const held = Array.from({ length: 40 }, (_, s) => a.agencyOf(s)).filter((x) => x === agency).length;
      expect(a.count(agency), `agency ${agency}`).to.equal(held);
      expect(held).to.be.at.most(10);
    }
  });

  it('never lets an agency count exceed its cap under admit/release churn', async () => {
    const buffers = createAdmission([3], 1000, 8);
    const perWorker: RaceOp[][] = [0, 1, 2, 3].map((w) => [
      { op: 'churn', slot: 2 * w, agency: 0, rounds: 5000, cap: 3 },
      { op: 'churn', slot: 2 * w + 1, agency: 0, rounds: 5000, cap: 3 },
    ]);
    const results = await race(buffers, perWorker);
    expect(results.flat()).to.deep.equal(new Array(8).fill(0));
    const a = new Admission(buffers);
    expect(a.count(0)).to.equal(0);
    expect(a.total()).to.equal(0);
  });

  it('decrements exactly once when threads race to release the same slots', async () => {
    // Many slots, all released in the same order by 4 threads at once, so that the threads
    // keep colliding on the same slot.
    const slots = 20_000;
    const buffers = createAdmission([slots, slots], slots, slots);
    const a = new Admission(buffers);
    for (let s = 0; s < slots; s++) a.tryAdmit(s, s % 2);
    expect(a.total()).to.equal(slots);
    const releaseAll: RaceOp[] = Array.from({ length: slots }, (_, slot) => ({ op: 'release', slot }));
    const results = await race(buffers, [releaseAll, releaseAll, releaseAll, releaseAll]);
    for (let s = 0; s < slots; s++) {
      const winners = results.map((r) => r[s]).filter((r) => r !== -1);
      if (winners.length !== 1 || winners[0] !== s % 2) expect.fail(`slot ${s} released as ${winners}`);
    }
    expect(a.count(0)).to.equal(0);
    expect(a.count(1)).to.equal(0);
    expect(a.total()).to.equal(0);
  });

  it('keeps the counts exact when threads admit and release one slot at once', async () => {
    const buffers = createAdmission([5], 5, 1);
    const hammer: RaceOp[] = [{ op: 'hammer', slot: 0, agency: 0, rounds: 50_000, threads: 4 }];
    const results = await race(buffers, [hammer, hammer, hammer, hammer]);
    expect(results.flat()).to.deep.equal([0, 0, 0, 0]);
    const a = new Admission(buffers);
    expect(a.agencyOf(0)).to.equal(-1);
    expect(a.count(0)).to.equal(0);
    expect(a.total()).to.equal(0);
  });

  it('hands out client numbers that never repeat across threads', async () => {
    const buffers = createAdmission([1], 1, 1);
    const take: RaceOp[] = new Array(1000).fill({ op: 'number' });
    const results = await race(buffers, [take, take, take, take]);
    const all = results.flat();
    expect(new Set(all).size).to.equal(4000);
    expect(Math.min(...all)).to.equal(1);
    expect(Math.max(...all)).to.equal(4000);
    expect(new Admission(buffers).nextClientNumber()).to.equal(4001);
  });

  it('release is idempotent and re-admitting the same agency counts once', () => {
    const a = new Admission(createAdmission([2], 5, 4));
    expect(a.release(0)).to.equal(-1);
    expect(a.tryAdmit(0, 0)).to.equal(AdmitResult.OK);
    expect(a.tryAdmit(0, 0)).to.equal(AdmitResult.OK);
    expect(a.count(0)).to.equal(1);
    expect(a.agencyOf(0)).to.equal(0);
    expect(a.release(0)).to.equal(0);
    expect(a.release(0)).to.equal(-1);
    expect(a.agencyOf(0)).to.equal(-1);
    expect(a.count(0)).to.equal(0);
    expect(a.total()).to.equal(0);
  });

  it('reports SERVER_FULL without holding an agency place', () => {
    const a = new Admission(createAdmission([2, 2], 1, 4));
    expect(a.tryAdmit(0, 0)).to.equal(AdmitResult.OK);
    expect(a.tryAdmit(1, 1)).to.equal(AdmitResult.SERVER_FULL);
    expect(a.count(1)).to.equal(0);
    expect(a.agencyOf(1)).to.equal(-1);
    expect(a.tryAdmit(2, 0)).to.equal(AdmitResult.SERVER_FULL);
    expect(a.count(0)).to.equal(1);
    a.release(0);
    expect(a.tryAdmit(1, 1)).to.equal(AdmitResult.OK);
  });

  it('treats a cap of 0 as closed', () => {
    const a = new Admission(createAdmission([0], 10, 1));
    expect(a.tryAdmit(0, 0)).to.equal(AdmitResult.AGENCY_FULL);
    expect(a.total()).to.equal(0);
  });

  it('refuses to admit a slot held by another agency', () => {
    const a = new Admission(createAdmission([2, 2], 5, 2));
    a.tryAdmit(0, 0);
    expect(() => a.tryAdmit(0, 1))
      .to.throw()
      .with.property('code', 'ERR_SLOT_BUSY');
    expect(a.count(1)).to.equal(0);
    expect(a.total()).to.equal(1);
  });

  it('rejects slots and agencies outside the tables', () => {
    const a = new Admission(createAdmission([2], 5, 2));
    for (const bad of [
      () => a.tryAdmit(2, 0),
      () => a.tryAdmit(-1, 0),
      () => a.tryAdmit(0, 1),
      () => a.release(1.5),
    ]) {
      expect(bad).to.throw().with.property('code', 'ERR_ADMISSION_RANGE');
    }
  });

  it('rejects invalid caps', () => {
    for (const bad of [
      () => createAdmission([], 1, 1),
      () => createAdmission([-1], 1, 1),
      () => createAdmission([1], 2 ** 31, 1),
      () => createAdmission([1], 1, 0),
    ]) {
      expect(bad).to.throw().with.property('code', 'ERR_ADMISSION_CONFIG');
    }
  });
});
