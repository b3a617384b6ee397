import { expect } from 'chai';
import { NakCode } from '../../protocol/constants.ts';
import { Admission, createAdmission } from '../../src/admission/admission.ts';
import { ActorMetrics, AgencyCounter, createMetrics } from '../../src/metrics/counters.ts';
import { createRegistry, MainCounters, RejectReason } from '../../src/metrics/registry.ts';

/** `name{labels} value` lines of a text exposition, keyed by everything before the value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

function setup(now = 10_000) {
  const metrics = createMetrics(4, 2);
  const admission = new Admission(createAdmission([5, 5], 8, 16));
  const main = new MainCounters();
  const heads = [100, 200, 300, 400];
  const registry = createRegistry({
    metrics,
    admission,
    agencyNames: ['esa', 'nasa'],
    ringHeads: () => heads,
    extra: { main, clock: { nowMs: () => now }, actorStaleMs: 1000, defaultMetrics: false },
  });
  return { metrics, admission, main, heads, registry };
}

describe('metrics/registry', () => {
  it('renders the latency histogram with cumulative buckets in seconds', async () => {
    const { metrics, registry } = setup();
    const a = ActorMetrics.claim(metrics);
    const b = ActorMetrics.claim(metrics);
    for (const us of [10, 50, 60]) a.observeLatencyUs(us);
    for (const us of [3000, 5_000_000]) b.observeLatencyUs(us);

    const text = await registry.metrics();
    expect(text).to.include('# TYPE scs_latency_seconds histogram');
    const s = samples(text);
    const expected: [string, number][] = [
      ['0.00005', 2],
      ['0.0001', 3],
      ['0.00025', 3],
      ['0.0025', 3],
      ['0.005', 4],
      ['0.01', 4],
      ['1', 4],
      ['2.5', 4],
      ['+Inf', 5],
    ];
    for (const [le, count] of expected)
      expect(s.get(`scs_latency_seconds_bucket{le="${le}"}`), le).to.equal(count);
    const buckets = [...s.keys()].filter((k) => k.startsWith('scs_latency_seconds_bucket'));
    expect(buckets).to.have.length(16);
    expect(s.get('scs_latency_seconds_count')).to.equal(5);
    expect(s.get('scs_latency_seconds_sum')).to.be.closeTo(5.00312, 1e-12);
  });

  it('reads connections, agency counters and NAKs from the shared buffers at scrape time', async () => {
    const { metrics, admission, registry } = setup();
    const a = ActorMetrics.claim(metrics);
    const b = ActorMetrics.claim(metrics);
    admission.tryAdmit(0, 0);
    admission.tryAdmit(1, 0);
    admission.tryAdmit(2, 1);
    a.add(AgencyCounter.ACKS, 0, 2);
    b.add(AgencyCounter.ACKS, 0, 1);
    a.add(AgencyCounter.RECORDS_SENT, 1, 40);
    b.add(AgencyCounter.BYTES_SENT, 1, 4096);
    a.add(AgencyCounter.DATA_MESSAGES, 1, 3);
    b.add(AgencyCounter.SKIPPED, 0, 9);
    a.add(AgencyCounter.SLOW_CONSUMER_CLOSES, 0, 1);
    b.add(AgencyCounter.HEARTBEATS, 1, 6);
    a.add(AgencyCounter.SESSIONS_CLOSED, 1, 2);
    a.nak(NakCode.AUTH_FAILED);
    b.nak(NakCode.AUTH_FAILED);

    const s = samples(await registry.metrics());
    expect(s.get('scs_connections{agency="esa"}')).to.equal(2);
    expect(s.get('scs_connections{agency="nasa"}')).to.equal(1);
    expect(s.get('scs_acks_total{agency="esa"}')).to.equal(3);
    expect(s.get('scs_acks_total{agency="nasa"}')).to.equal(0);
    expect(s.get('scs_records_sent_total{agency="nasa"}')).to.equal(40);
    expect(s.get('scs_bytes_sent_total{agency="nasa"}')).to.equal(4096);
    expect(s.get('scs_data_messages_total{agency="nasa"}')).to.equal(3);
    expect(s.get('scs_skipped_records_total{agency="esa"}')).to.equal(9);
    expect(s.get('scs_slow_consumer_closes_total{agency="esa"}')).to.equal(1);
    expect(s.get('scs_heartbeats_total{agency="nasa"}')).to.equal(6);
    expect(s.get('scs_sessions_closed_total{agency="nasa"}')).to.equal(2);
    expect(s.get('scs_naks_total{code="AUTH_FAILED"}')).to.equal(2);
    expect(s.get('scs_naks_total{code="SERVER_FULL"}')).to.equal(0);

    // A second scrape must not add the totals again, and must see changes since.
    admission.release(0);
    a.add(AgencyCounter.ACKS, 0, 1);
    const again = samples(await registry.metrics());
    expect(again.get('scs_acks_total{agency="esa"}')).to.equal(4);
    expect(again.get('scs_connections{agency="esa"}')).to.equal(1);
  });

  it('exports ring heads and the lag of live actors only', async () => {
    const { metrics, heads, registry } = setup(10_000);
    const live = ActorMetrics.claim(metrics);
    const stale = ActorMetrics.claim(metrics);
    live.tick(9_500);
    live.setLag(1, 25);
    stale.tick(8_000);
    stale.setLag(1, 900);
    heads[3] = 401;

    const s = samples(await registry.metrics());
    expect(s.get('scs_ring_head{stream="frames"}')).to.equal(100);
    expect(s.get('scs_ring_head{stream="events"}')).to.equal(401);
    expect(s.get('scs_actor_lag_records{stream="packets"}')).to.equal(25);
    expect(s.get('scs_actor_lag_records{stream="frames"}')).to.equal(0);
  });

  it('exports the main thread counters', async () => {
    const { main, registry } = setup();
    main.accepted += 7;
    main.rejected[RejectReason.RATE] += 2;
    main.rejected[RejectReason.CEILING] += 1;
    const s = samples(await registry.metrics());
    expect(s.get('scs_accepted_connections_total')).to.equal(7);
    expect(s.get('scs_rejected_connections_total{reason="rate"}')).to.equal(2);
    expect(s.get('scs_rejected_connections_total{reason="ceiling"}')).to.equal(1);
  });

  it('includes the default process metrics unless disabled', async () => {
    const registry = createRegistry({
      metrics: createMetrics(1, 1),
      admission: new Admission(createAdmission([1], 1, 1)),
      agencyNames: ['esa'],
      ringHeads: () => [],
    });
    const text = await registry.metrics();
    expect(text).to.include('process_cpu_user_seconds_total');
    expect(text).to.include('nodejs_eventloop_lag_seconds');
    expect(text).not.to.include('scs_accepted_connections_total');
    const s = samples(text);
    expect(s.get('scs_latency_seconds_count')).to.equal(0);
    expect([...s.keys()].some((k) => k.startsWith('scs_ring_head'))).to.equal(false);
  });

  it('rejects agency names that do not match the metric buffers', () => {
    expect(() =>
      createRegistry({
        metrics: createMetrics(1, 2),
        admission: new Admission(createAdmission([1, 1], 1, 1)),
        agencyNames: ['esa'],
        ringHeads: () => [],
      }),
    )
      .to.throw()
      .with.property('code', 'ERR_METRICS_CONFIG');
  });
});
