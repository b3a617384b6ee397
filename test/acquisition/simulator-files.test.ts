// The simulator keeps the same files as a configured link: bad frames to the bad-frame file and
// the packets of each pass (contact) to a contact file.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Quality } from '../../protocol/constants.ts';
import { DEMO_MISSION_FILE } from '../../src/acquisition/index.ts';
import { defineSimulator, SIMULATOR_LINK_ID, type SimulatorConfig } from '../../src/acquisition/simulator.ts';
import { RingSink } from '../../src/acquisition/sink.ts';
import { decodePacketFile } from '../../src/files/packet-file.ts';
import { loadMdb } from '../../src/mdb/load.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { createBuffers, Drain, type Read } from './support.ts';

const MDB = loadMdb(DEMO_MISSION_FILE);
// 2023-11-14T22:13:20Z: contact files are named by the UTC start of each pass.
const START_MS = 1_700_000_000_000;
const BASE: SimulatorConfig = {
  enabled: true,
  scid: 42,
  station: 'SIM-GS',
  frameRateHz: 10,
  frameLength: 1115,
  seed: 7,
  // Passes of 8 s every 10 s.
  dataBreaks: { everySec: 10, durationSec: 2 },
  // Without RS, bit errors make frames fail their FECF.
  impairments: { bitErrorRate: 2e-5, frameDropRate: 0, polarityInversion: { everyFrames: 0, frames: 0 } },
};
const silent = { info: () => {}, warn: () => {}, error: () => {} };

describe('acquisition simulator files', () => {
  it('writes bad frames to the bad-frame file and each pass of VC 0 to its contact file', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-sim-files-'));
    const def = defineSimulator(
      {
        ...BASE,
        stateDir,
        badFrameFile: { enabled: true, maxFileBytes: 1 << 20, keepFiles: 1 },
        contactFiles: [{ vcids: [0] }],
      },
      MDB,
    );
    const buffers = createBuffers(def.dictionary.length);
    const clock = new FakeClock(START_MS);
    const sink = new RingSink({ ...buffers, dictionary: def.dictionary, clock, log: { warn: () => {} } });
    const source = def.create(clock, {
      decom: { processor: new PacketProcessor(MDB) },
      metrics: null,
      log: silent,
    });
    const drain = new Drain(buffers.rings);
    const frames: Read[] = [];
    const packets: Read[] = [];
    source.start(sink);
    for (let s = 0; s < 25; s++) {
      clock.advance(1000);
      frames.push(...drain.take('frames'));
      packets.push(...drain.take('packets'));
    }
    await source.stop();

    const bad = frames.filter((f) => (f.rec.quality as number) & Quality.FRAME_CRC_ERROR);
    expect(bad.length).to.be.within(5, frames.length / 2);
    const lines = readFileSync(join(stateDir, `bad-frames-${SIMULATOR_LINK_ID}.txt`), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => /vcfc=(\d+)/.exec(l)![1])).to.deep.equal(bad.map((f) => String(f.rec.vcfc)));
    expect(lines.every((l) => l.includes('station=SIM-GS') && l.includes('FRAME_CRC_ERROR'))).to.equal(true);

    // Three passes (t = 0, 10, 20 s), one file each, named by the pass's start.
    const dir = join(stateDir, 'contacts', SIMULATOR_LINK_ID);
    const names = readdirSync(dir).sort();
    expect(names).to.deep.equal(['vc0_20231114221320', 'vc0_20231114221330', 'vc0_20231114221340']);
    const recorded = names.flatMap((n) => decodePacketFile(readFileSync(join(dir, n))));
    const vc0 = packets.filter((p) => p.rec.vcid === 0);
    expect(vc0.length).to.be.greaterThan(100);
    expect(recorded.map((r) => [r.apid, r.ssc, r.quality])).to.deep.equal(
      vc0.map((p) => [p.rec.apid, p.rec.ssc, p.rec.quality]),
    );
  });

  it('refuses files without the state directory to put them in', () => {
    expect(() => defineSimulator({ ...BASE, contactFiles: [{}] }, MDB))
      .to.throw(/stateDir/)
      .with.property('code', 'ERR_SIMULATOR_CONFIG');
  });
});
