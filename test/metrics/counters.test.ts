import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { NakCode } from '../../protocol/constants.ts';
import {
  ActorMetrics,
  AgencyCounter,
  createMetrics,
  LATENCY_BUCKETS_US,
  type MetricsBuffers,
  MetricsReader,
  NAK_CODES,
} from '../../src/metrics/counters.ts';
import type { MetricsOp, MetricsWorkerData } from './metrics-worker.ts';

/** Runs each op list in its own worker thread, concurrently; returns the regions they claimed. */
async function runWorkers(buffers: MetricsBuffers, perWorker: MetricsOp[][]): Promise<number[]> {
  const workers = perWorker.map((ops) => {
    const workerData: MetricsWorkerData = { buffers, ops };
    return new Worker(new URL('./metrics-worker.ts', import.meta.url), { workerData });
  });
  const exited = workers.map((w) => once(w, 'exit'));
  const regions = await Promise.all(workers.map(async (w) => (await once(w, 'message'))[0] as number));
  await Promise.all(exited);
  return regions;
}

describe('metrics/counters', () => {
  it('sums the regions written by two actor threads', async () => {
    const buffers = createMetrics(4, 2);
    const regions = await runWorkers(buffers, [
      [
        { op: 'add', c: AgencyCounter.ACKS, agency: 0, n: 1, times: 100_000 },
        { op: 'add', c: AgencyCounter.BYTES_SENT, agency: 1, n: 1500, times: 1 },
        { op: 'nak', code: NakCode.AGENCY_FULL, times: 3 },
        { op: 'lag', stream: 0, lag: 7 },
        { op: 'lag', stream: 2, lag: 100 },
        { op: 'latency', us: 10 },
        { op: 'latency', us: 50 },
        { op: 'latency', us: 60 },
        { op: 'tick', ms: 1000 },
      ],
      [
        { op: 'add', c: AgencyCounter.ACKS, agency: 0, n: 1, times: 100_000 },
        { op: 'add', c: AgencyCounter.BYTES_SENT, agency: 1, n: 500, times: 1 },
        { op: 'nak', code: NakCode.AGENCY_FULL, times: 2 },
        { op: 'nak', code: NakCode.INTERNAL, times: 1 },
        { op: 'lag', stream: 0, lag: 12 },
        { op: 'lag', stream: 2, lag: 3 },
        { op: 'latency', us: 3000 },
        { op: 'latency', us: 5_000_000 },
        { op: 'tick', ms: 2000 },
      ],
    ]);
    expect([...regions].sort()).to.deep.equal([0, 1]);

    const r = new MetricsReader(buffers);
    expect(r.sum(AgencyCounter.ACKS, 0)).to.equal(200_000);
    expect(r.sum(AgencyCounter.ACKS, 1)).to.equal(0);
    expect(r.sum(AgencyCounter.BYTES_SENT, 1)).to.equal(2000);
    expect(r.sum(AgencyCounter.BYTES_SENT, 0)).to.equal(0);
    expect(r.naks(NakCode.AGENCY_FULL)).to.equal(5);
    expect(r.naks(NakCode.INTERNAL)).to.equal(1);
    expect(r.naks(NakCode.MALFORMED)).to.equal(0);
    expect(r.lag(0, 0)).to.equal(12);
    expect(r.lag(2, 0)).to.equal(100);
    expect(r.lag(2, 1500), 'only the actor that ticked at 2000 is live').to.equal(3);
    expect(r.lag(0, 2001), 'no live actor').to.equal(0);

    const h = r.histogram();
    expect(h.buckets).to.deep.equal([...LATENCY_BUCKETS_US]);
    //            50 100 250 500 1k 2.5k 5k 10k 25k 50k 100k 250k 500k 1M 2.5M +Inf
    expect(h.counts).to.deep.equal([2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5]);
    expect(h.count).to.equal(5);
    expect(h.sum).to.equal(10 + 50 + 60 + 3000 + 5_000_000);
  });

  it('keeps every NAK code apart', () => {
    expect(NAK_CODES).to.have.length(13);
    const buffers = createMetrics(1, 1);
    const m = ActorMetrics.claim(buffers);
    NAK_CODES.forEach((code, i) => {
      for (let n = 0; n <= i; n++) m.nak(code);
    });
    const r = new MetricsReader(buffers);
    expect(NAK_CODES.map((code) => r.naks(code))).to.deep.equal(NAK_CODES.map((_, i) => i + 1));
  });

  it('counts a negative or NaN latency as 0', () => {
    const buffers = createMetrics(1, 1);
    const m = ActorMetrics.claim(buffers);
    m.observeLatencyUs(-20);
    m.observeLatencyUs(Number.NaN);
    const h = new MetricsReader(buffers).histogram();
    expect(h.counts[0]).to.equal(2);
    expect(h.sum).to.equal(0);
  });

  it('reads nothing from regions that were never claimed', () => {
    const buffers = createMetrics(3, 1);
    const r = new MetricsReader(buffers);
    expect(r.lag(1, Number.NEGATIVE_INFINITY)).to.equal(0);
    ActorMetrics.claim(buffers).add(AgencyCounter.HEARTBEATS, 0, 4);
    expect(r.sum(AgencyCounter.HEARTBEATS, 0)).to.equal(4);
  });

  it('takes over the region of a dead actor once every region is claimed, and never throws', () => {
    const buffers = createMetrics(2, 1);
    const a = ActorMetrics.claim(buffers, 1_000);
    const b = ActorMetrics.claim(buffers, 1_000);
    expect([a.region, b.region]).to.deep.equal([0, 1]);
    a.add(AgencyCounter.ACKS, 0, 5);
    b.tick(20_000);
    // Region 0 has not ticked for REGION_STALE_MS: its actor is gone; its totals stay.
    const c = ActorMetrics.claim(buffers, 20_000);
    expect(c.region).to.equal(0);
    c.add(AgencyCounter.ACKS, 0, 2);
    expect(new MetricsReader(buffers).sum(AgencyCounter.ACKS, 0)).to.equal(7);
    // Everyone alive: the newcomer shares the stalest region rather than failing to start.
    expect(() => ActorMetrics.claim(buffers, 20_001)).to.not.throw();
  });

  it('lets only one of two claimers take the same dead region', () => {
    const buffers = createMetrics(2, 1);
    ActorMetrics.claim(buffers, 0);
    ActorMetrics.claim(buffers, 0);
    const first = ActorMetrics.claim(buffers, 50_000);
    const second = ActorMetrics.claim(buffers, 50_000);
    expect(first.region).to.not.equal(second.region);
  });

  it('rejects indices outside the tables and bad sizes', () => {
    const buffers = createMetrics(1, 2);
    const m = ActorMetrics.claim(buffers);
    const r = new MetricsReader(buffers);
    for (const bad of [
      () => m.add(AgencyCounter.ACKS, 2, 1),
      () => m.add(AgencyCounter.ACKS, -1, 1),
      () => m.setLag(4, 1),
      () => m.nak('NOPE' as NakCode),
      () => r.sum(AgencyCounter.ACKS, 2),
      () => r.lag(-1, 0),
    ]) {
      expect(bad).to.throw().with.property('code', 'ERR_METRICS_RANGE');
    }
    for (const bad of [() => createMetrics(0, 1), () => createMetrics(1, 0), () => createMetrics(1.5, 1)]) {
      expect(bad).to.throw().with.property('code', 'ERR_METRICS_CONFIG');
    }
  });
});
