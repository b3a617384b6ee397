import { Ajv } from 'ajv';
import { expect } from 'chai';
import { defineDownlinkSource } from '../../src/acquisition/downlink-source.ts';
import { DEMO_MISSION_FILE } from '../../src/acquisition/index.ts';
import {
  type DownlinkLinkConfig,
  downlinkLinkSchema,
  toDownlinkConfig,
} from '../../src/acquisition/link-config.ts';
import { FrameType } from '../../src/ccsds/frame.ts';
import { PacketFramer } from '../../src/ccsds/framer.ts';
import { DownlinkPipeline } from '../../src/ccsds/pipeline.ts';
import { EPOCH_1958_US } from '../../src/ccsds/time.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadMdb } from '../../src/mdb/load.ts';
import { Collect, hex } from '../ccsds/support.ts';
import { startWith } from './support-server.ts';

const MDB = loadMdb(DEMO_MISSION_FILE);

function links(...list: Record<string, unknown>[]) {
  return loadConfig({ object: { simulator: { enabled: false }, links: list } }).links;
}

// The links with their schema defaults only: the configuration check refuses the bad ones itself
// (test/config/links-check.test.ts), and the source must refuse them too when handed them.
const withDefaults = new Ajv({ useDefaults: true, strict: false }).compile(downlinkLinkSchema);
function unchecked(...list: Record<string, unknown>[]): DownlinkLinkConfig[] {
  return list.map((l) => {
    const copy = structuredClone(l);
    expect(withDefaults(copy), JSON.stringify(withDefaults.errors)).to.equal(true);
    return copy as unknown as DownlinkLinkConfig;
  });
}

const link = (over: Record<string, unknown> = {}) => ({
  id: 'gs1',
  station: 'GS1',
  transport: { kind: 'udp', port: 0 },
  frame: { type: 'tm', length: 1115 },
  ...over,
});

describe('acquisition downlink source configuration', () => {
  it('translates a link into the pipeline configuration, with schema defaults', () => {
    const [l] = links(
      link({
        randomized: true,
        reedSolomon: { interleave: 5 },
        vcids: [0, 2],
        apids: {
          '7': { time: { pField: [0x2e], epoch: '2000-01-01T00:00:00Z' }, swap: 'words' },
          '8': { time: { explicit: true } },
        },
      }),
    );
    const c = toDownlinkConfig(l!);
    expect(c).to.deep.include({
      station: 'GS1',
      frame: { type: 'tm', frameLength: 1115, fecf: true },
      sync: { flywheel: 3, markerBitErrors: 0 },
      randomized: true,
      reedSolomon: { interleave: 5 },
      vcids: [0, 2],
      checkVcContinuity: true,
    });
    expect(c.time!.get(7)).to.deep.equal({ epochUs: Date.UTC(2000, 0, 1) * 1000, pField: [0x2e] });
    expect(c.time!.get(8)).to.deep.equal({ epochUs: EPOCH_1958_US, explicit: true });
    expect(c.swap!.get(7)).to.equal('words');
    expect(l!.badFrameFile).to.deep.equal({ enabled: true, maxFileBytes: 64 * 1024 * 1024, keepFiles: 4 });
    expect(defineDownlinkSource({ links: [l!], stateDir: '/tmp' }, MDB).dictionary).to.have.length(
      MDB.parameters.length,
    );
  });

  it('decodes CDS and CUC spacecraft time per APID from the configuration, with its epoch', () => {
    const [l] = links(
      link({
        frame: { type: 'tm', length: 64 },
        apids: {
          // CDS, 16-bit day, µs of ms (P-field 0x41), from an agency epoch; CUC 4+2 from 1958.
          '20': { time: { pField: [0x41], epoch: '2000-01-01T00:00:00Z' } },
          '21': { time: { pField: [0x1e] } },
          '22': { time: { explicit: true } },
        },
      }),
    );
    const framer = new PacketFramer({ type: FrameType.TM, frameLength: 64, scid: 5, fecf: true });
    const packets = [
      hex('0814c0000008' + '0001000003e80005' + 'ab'), // day 1, 1000 ms, 5 µs
      hex('0815c0000006' + '713fb3008000' + 'ab'),
      hex('0816c0000007' + '40' + '3bec02932e01' + 'ab'), // explicit CDS P-field, 1958 epoch
    ];
    const cadus = [...packets.flatMap((p) => framer.packet(0, p)), ...framer.flush(0)].map((f) => f.cadu);
    const out = new Collect();
    const pipeline = new DownlinkPipeline(toDownlinkConfig(l!), out);
    for (const c of cadus) pipeline.push(c, 7);
    expect(out.packets.map((p) => [p.apid, p.scet])).to.deep.equal([
      [20, Date.UTC(2000, 0, 2, 0, 0, 1) * 1000 + 5],
      [21, EPOCH_1958_US + 1_900_000_000_500_000],
      [22, Date.UTC(2000, 0, 1, 12, 0, 0, 1) * 1000],
    ]);
  });

  it('refuses what the schema cannot see, naming the link', () => {
    const bad: [Record<string, unknown>[], RegExp][] = [
      [[link(), link({ station: 'GS2' })], /links\/1\/id: gs1 is used twice/],
      [[link({ apids: { '7': { time: { pField: [0x4f] } } } })], /links\/0 \(gs1\):.*P-field/],
      [
        [link({ apids: { '7': { time: { counter: { octets: 8, unitUs: 1 }, epoch: 'yesterday' } } } })],
        /links\/0/,
      ],
      [[link({ reedSolomon: { interleave: 2 }, frame: { type: 'tm', length: 1115 } })], /multiple of 2/],
      // A replayed file must hold whole code blocks (or CADUs) of the link's layout.
      [
        [link({ transport: { kind: 'file', path: 'x', format: 'frames', recordBytes: 1119 } })],
        /links\/0 \(gs1\): transport.recordBytes 1119 is not the code block length 1115/,
      ],
      [
        [
          link({
            reedSolomon: { interleave: 5 },
            transport: { kind: 'file', path: 'x', format: 'cadu', recordBytes: 1119 },
          }),
        ],
        /transport.recordBytes 1119 is not the CADU length 1279/,
      ],
    ];
    for (const [list, message] of bad) {
      expect(
        () => defineDownlinkSource({ links: unchecked(...list), stateDir: '/tmp' }, MDB),
        String(message),
      )
        .to.throw(message)
        .with.property('code', 'ERR_LINK_CONFIG');
      expect(() => links(...list), String(message))
        .to.throw(/\/links\/\d/)
        .with.property('code', 'ERR_CONFIG_INVALID');
    }
    expect(() => defineDownlinkSource({ links: [], stateDir: '/tmp' }, MDB))
      .to.throw()
      .with.property('code', 'ERR_LINK_CONFIG');
  });

  it('a server refuses links while the simulator is enabled', async () => {
    // The configuration check before any thread starts (src/server/preflight.ts): a ConfigError
    // naming the configuration, which `scs serve` exits 2 with (test/cli/check-config-serve.test.ts).
    const err = await startWith({ links: [link()] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError).with.property('code', 'ERR_CONFIG_INVALID');
    const e = err as ConfigError;
    expect(e.file).to.equal('configuration object');
    expect(e.issues.map((i) => i.rule)).to.deep.equal(['ERR_SOURCE_SPEC']);
    expect(e.message).to.match(/^configuration object: .*simulator\.enabled is true/);
  });
});
