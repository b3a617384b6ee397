// End to end through a real server: the simulator's CCSDS downlink through the pipeline and the
// mission database to a real client, and /metrics.
import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { Quality } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { collectRecords } from '../support/server.ts';
import { metric, scrape, startWith, subscribe } from './support-server.ts';

const SIMULATOR = {
  enabled: true,
  frameRateHz: 50,
  station: 'SIM-E2E',
  dataBreaks: { everySec: 0, durationSec: 1 },
};

describe('acquisition downlink through a real server', () => {
  let server: ScsServer | undefined;
  const clients: ScsClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server?.close();
    server = undefined;
  });

  it('the simulator delivers frames, packets and mission-database parameters to a client, and counts them in /metrics', async () => {
    server = await startWith({ simulator: { ...SIMULATOR, impairments: { bitErrorRate: 0 } } });
    const [frames, packets, parameters] = await Promise.all(
      (['frames', 'packets', 'parameters'] as const).map((s) => subscribe(server!, s)),
    );
    clients.push(frames!, packets!, parameters!);
    const f = await collectRecords(frames!, 5);
    for (const r of f)
      expect(r).to.include({ station: 'SIM-E2E', scid: 42, quality: Quality.FRAME_ECF_PRESENT });
    const p = await collectRecords(packets!, 10);
    expect(new Set(p.map((r) => r.apid))).to.include.members([100, 101, 102, 103]);
    // Names as demo-mission.json has them: extracted, header fields and derived parameters.
    const names = new Set<unknown>();
    for (let i = 0; i < 20 && !['EPS.BUS_V', 'PKT.SSC', 'EPS.BUS_POWER'].every((n) => names.has(n)); i++) {
      for (const r of await collectRecords(parameters!, 1)) names.add(r.name);
    }
    expect(names).to.include.all.keys('EPS.BUS_V', 'PKT.SSC', 'EPS.BUS_POWER');
    const text = await scrape(server);
    expect(metric(text, 'scs_vc_frames_total', 'vcid="0"')).to.be.greaterThan(0);
    expect(metric(text, 'scs_link_up', 'link="simulator"')).to.equal(1);
    expect(metric(text, 'scs_link_rs_corrected_symbols_total', 'station="SIM-E2E"')).to.equal(0);
    expect(text).to.match(/^scs_decom_samples_total \d+/m);
  });

  it('with impairments on, bad frames arrive flagged and the packets of good frames still decode', async () => {
    server = await startWith({
      simulator: {
        ...SIMULATOR,
        frameRateHz: 100,
        randomized: false,
        reedSolomon: { interleave: 0 },
        impairments: { bitErrorRate: 6e-5, polarityInversion: { everyFrames: 20, frames: 3 } },
      },
    });
    const [frames, parameters] = await Promise.all([
      subscribe(server, 'frames'),
      subscribe(server, 'parameters'),
    ]);
    clients.push(frames, parameters);
    const f = await collectRecords(frames, 40);
    const bad = f.filter((r) => (r.quality as number) & Quality.FRAME_CRC_ERROR);
    expect(bad.length).to.be.greaterThan(0);
    expect(f.some((r) => (r.quality as number) & Quality.BITS_REVERSED)).to.equal(true);
    const samples = await collectRecords(parameters, 100);
    const busV = samples.filter((r) => r.name === 'EPS.BUS_V');
    expect(busV.length).to.be.greaterThan(0);
    for (const r of busV) expect(r.eng as number).to.be.within(20, 35);
  });
});
