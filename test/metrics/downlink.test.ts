import { expect } from 'chai';
import { Registry } from 'prom-client';
import {
  createDownlinkMetrics,
  DecomMetricsWriter,
  DownlinkMetricsReader,
  LinkMetricsWriter,
} from '../../src/metrics/downlink.ts';
import { registerDownlinkMetrics } from '../../src/metrics/downlink-registry.ts';

const LINKS = [
  { id: 'gs1', station: 'KSAT' },
  { id: 'gs2', station: 'SVAL' },
];

describe('metrics/downlink', () => {
  it('keeps each link block apart and shows only VCs that saw frames', () => {
    const b = createDownlinkMetrics(LINKS);
    const one = new LinkMetricsWriter(b, 'gs1');
    const two = new LinkMetricsWriter(b, 'gs2');
    one.set('frames', 10);
    one.add('frames', 5);
    two.set('frames', 7);
    one.setVc(3, 'frames', 15);
    two.setVc(63, 'sequenceErrors', 2);
    new DecomMetricsWriter(b).set('samples', 99);
    const r = new DownlinkMetricsReader(b);
    expect([r.link(0, 'frames'), r.link(1, 'frames')]).to.deep.equal([15, 7]);
    expect(r.activeVcs(0)).to.deep.equal([3]);
    expect(r.activeVcs(1)).to.deep.equal([]);
    expect(r.vc(1, 63, 'sequenceErrors')).to.equal(2);
    expect(r.decom('samples')).to.equal(99);
    expect(() => one.setVc(64, 'frames', 1))
      .to.throw()
      .with.property('code', 'ERR_METRICS_RANGE');
    expect(() => new LinkMetricsWriter(b, 'gs3'))
      .to.throw()
      .with.property('code', 'ERR_METRICS_RANGE');
    expect(() => createDownlinkMetrics([LINKS[0]!, LINKS[0]!]))
      .to.throw()
      .with.property('code', 'ERR_METRICS_CONFIG');
  });

  it('renders link, VC and decommutation series with link and station labels', async () => {
    const b = createDownlinkMetrics(LINKS);
    const w = new LinkMetricsWriter(b, 'gs2');
    w.set('up', 1);
    w.set('badFrames', 4);
    w.setVc(1, 'frames', 40);
    w.setVc(1, 'rsCorrectedSymbols', 12);
    w.setVc(1, 'frameRate', 2.5);
    new DecomMetricsWriter(b).set('events', 3);
    const registry = new Registry();
    registerDownlinkMetrics(registry, b);
    const text = await registry.metrics();
    const lines = text.split('\n');
    expect(lines).to.include('scs_link_up{link="gs2",station="SVAL"} 1');
    expect(lines).to.include('scs_link_up{link="gs1",station="KSAT"} 0');
    expect(lines).to.include('scs_link_bad_frames_total{link="gs2",station="SVAL"} 4');
    expect(lines).to.include('scs_vc_frames_total{link="gs2",station="SVAL",vcid="1"} 40');
    expect(lines).to.include('scs_vc_rs_corrected_symbols_total{link="gs2",station="SVAL",vcid="1"} 12');
    expect(lines).to.include('scs_vc_frame_rate{link="gs2",station="SVAL",vcid="1"} 2.5');
    expect(lines).to.include('scs_decom_limit_events_total 3');
    expect(lines.filter((l) => l.startsWith('scs_vc_frames_total{'))).to.have.length(1);
  });
});
