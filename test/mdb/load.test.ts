import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MdbError, type MdbIssue } from '../../src/mdb/errors.ts';
import { loadMdb, parseMdb } from '../../src/mdb/load.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { Collector } from './support.ts';

const FILE = 'mission.json';
const base = (extra: Record<string, unknown>) => ({ name: 'T', version: '1', parameters: {}, ...extra });
const u8 = { type: 'uint', bits: 8 };

function issues(doc: unknown): readonly MdbIssue[] {
  try {
    parseMdb(doc, FILE);
  } catch (err) {
    expect(err).to.be.instanceOf(MdbError);
    const e = err as MdbError;
    expect(e.code).to.equal('ERR_MDB_INVALID');
    expect(e.file).to.equal(FILE);
    expect(e.message.split('\n')).to.have.length(e.issues.length);
    for (const line of e.message.split('\n')) expect(line.startsWith(`${FILE}: `)).to.equal(true);
    return e.issues;
  }
  throw new Error('expected ERR_MDB_INVALID');
}

const brief = (list: readonly MdbIssue[]) => list.map((i) => [i.path, i.parameter, i.rule]);

describe('mdb/load', () => {
  it('fills defaults, leaves its input untouched and returns a frozen database', () => {
    const input = base({
      parameters: {
        X: {
          encoding: u8,
          calibration: {
            type: 'spline',
            points: [
              [0, 0],
              [1, 1],
            ],
          },
          limits: { warning: { high: 1 } },
        },
      },
    });
    const snapshot = JSON.stringify(input);
    const mdb = parseMdb(input, FILE);
    expect(JSON.stringify(input)).to.equal(snapshot);
    const x = mdb.def.parameters.X!;
    expect(x.encoding.byteOrder).to.equal('big');
    expect(x.calibration).to.deep.include({ order: 1, extrapolate: false });
    expect(x.limits).to.deep.include({ persistence: 1, enabled: true });
    expect(x.limits!.warning).to.deep.equal({ high: 1, lowInclusive: true, highInclusive: true });
    expect(mdb.def.containers).to.deep.equal({});
    expect(Object.isFrozen(mdb)).to.equal(true);
    expect(Object.isFrozen(mdb.def.parameters.X!.encoding)).to.equal(true);
    expect(Object.isFrozen(mdb.parameters[0]!.info)).to.equal(true);
  });

  it('names the file, the parameter and the rule of every schema error at once', () => {
    const got = issues(
      base({
        parameters: {
          A: { encoding: { type: 'uint', bits: 8, order: 'big' } },
          B: { encoding: { type: 'decimal', bits: 8 } },
          C: { encoding: u8, calibration: { type: 'cubic' } },
          D: { encoding: u8, calibration: { type: 'polynomial' } },
          'bad name': { encoding: u8 },
        },
        extra: 1,
      }),
    );
    expect(brief(got)).to.deep.include.members([
      ['/extra', undefined, 'additionalProperties'],
      ['/parameters/A/encoding/order', 'A', 'additionalProperties'],
      ['/parameters/B/encoding/type', 'B', 'enum'],
      ['/parameters/C/calibration/type', 'C', 'discriminator'],
      ['/parameters/D/calibration/coefficients', 'D', 'required'],
      ['/parameters/bad name', 'bad name', 'pattern'],
    ]);
    expect(got).to.have.length(6);
    expect(got.find((i) => i.rule === 'enum')!.message).to.match(/must be one of "uint", "int"/);
  });

  it('checks the rules between parts, naming the parameter', () => {
    const got = issues(
      base({
        parameters: {
          WIDE: { encoding: { type: 'uint', bits: 60 } },
          F: { encoding: { type: 'float', bits: 16 } },
          LE: { encoding: { type: 'uint', bits: 12, byteOrder: 'little' } },
          S: { encoding: { type: 'string', bits: 12 } },
          CAL: { encoding: { type: 'string', bits: 16 }, calibration: { type: 'boolean' } },
          SPL: {
            encoding: u8,
            calibration: {
              type: 'spline',
              points: [
                [1, 0],
                [1, 2],
              ],
            },
          },
          STATE: {
            encoding: u8,
            calibration: { type: 'enumeration', states: { '0': 'OFF' } },
            limits: { alarmStates: ['BROKEN'], warning: { high: 2 } },
          },
          RANGE: { encoding: u8, limits: { warning: { low: 5, high: 1 }, alarm: {} } },
          SW: {
            encoding: u8,
            limits: { warning: { high: 1 }, switched: { parameter: 'GHOST', values: [1] } },
          },
          SW2: {
            encoding: u8,
            limits: { warning: { high: 1 }, switched: { parameter: 'STATE', values: [1] } },
          },
          EMPTY: { encoding: u8, limits: { persistence: 2 } },
        },
        containers: {
          P1: {
            apid: 5,
            entries: [
              { parameter: 'NOPE', bitOffset: 0 },
              { parameter: 'S', bitOffset: 3 },
              { parameter: 'SPL' },
              {
                parameter: 'SPL',
                fields: [
                  { bitOffset: 0, bits: 3 },
                  { bitOffset: 9, bits: 4 },
                ],
              },
              { parameter: 'D', bitOffset: 0 },
            ],
          },
          P2: {
            apid: 5,
            entries: [
              {
                parameter: 'F',
                fields: [
                  { bitOffset: 0, bits: 8 },
                  { bitOffset: 9, bits: 8 },
                ],
              },
            ],
          },
        },
        derived: { D: { expression: 'SPL + 1' }, SPL: { expression: '1' } },
        limitLists: { L: ['GHOST'] },
      }),
    );
    expect(brief(got)).to.deep.include.members([
      ['/parameters/WIDE/encoding/bits', 'WIDE', 'encodingBits'],
      ['/parameters/F/encoding/bits', 'F', 'encodingBits'],
      ['/parameters/LE/encoding/bits', 'LE', 'byteOrder'],
      ['/parameters/S/encoding/bits', 'S', 'encodingBits'],
      ['/parameters/CAL/calibration', 'CAL', 'calibrationType'],
      ['/parameters/SPL/calibration/points/1/0', 'SPL', 'ascending'],
      ['/parameters/STATE/limits/warning', 'STATE', 'limitsType'],
      ['/parameters/STATE/limits/alarmStates/0', 'STATE', 'unknownState'],
      ['/parameters/RANGE/limits/warning/high', 'RANGE', 'range'],
      ['/parameters/RANGE/limits/alarm', 'RANGE', 'range'],
      ['/parameters/SW/limits/switched/parameter', 'SW', 'unknownParameter'],
      ['/parameters/SW2/limits/switched/values/0', 'SW2', 'type'],
      ['/parameters/EMPTY/limits', 'EMPTY', 'emptyLimits'],
      ['/containers/P1/entries/0/parameter', 'NOPE', 'unknownParameter'],
      ['/containers/P1/entries/1/bitOffset', 'S', 'byteAligned'],
      ['/containers/P1/entries/2', 'SPL', 'location'],
      ['/containers/P1/entries/3/fields', 'SPL', 'fieldBits'],
      ['/containers/P1/entries/4/parameter', 'D', 'unknownParameter'],
      ['/containers/P2/apid', undefined, 'uniqueApid'],
      ['/containers/P2/entries/0/fields', 'F', 'concatenation'],
      ['/derived/SPL', 'SPL', 'uniqueName'],
      ['/limitLists/L/0', 'GHOST', 'unknownParameter'],
    ]);
  });

  it('reports a bad expression with its position, and circular derived parameters', () => {
    const got = issues(
      base({
        parameters: { A: { encoding: u8 } },
        derived: {
          BAD: { expression: 'A + * 2' },
          X: { expression: 'Y + 1' },
          Y: { expression: 'X * 2' },
          PROTO: { expression: '__proto__ + constructor' },
        },
      }),
    );
    expect(got.map((i) => `${i.path} ${i.parameter} ${i.rule}: ${i.message}`)).to.deep.equal([
      '/derived/BAD/expression BAD expression: column 5: expected a value, found "*"',
      '/derived/Y/expression Y expression: column 1: circular dependency through "X"',
      '/derived/X/expression X expression: column 1: parameter "Y" has an invalid expression',
      '/derived/PROTO/expression PROTO expression: column 1: unknown parameter "__proto__"',
    ]);
  });

  it('reads files: not found, JSON errors with their position, and the demo mission', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mdb-'));
    try {
      const missing = join(dir, 'none.json');
      expect(() => loadMdb(missing))
        .to.throw(MdbError)
        .with.property('code', 'ERR_MDB_NOT_FOUND');
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{\n  "name": tru\n}');
      expect(() => loadMdb(broken))
        .to.throw(MdbError)
        .that.satisfies((e: MdbError) => e.code === 'ERR_MDB_PARSE' && /line 2, column 14/.test(e.message));
      const bad = join(dir, 'bad.json');
      writeFileSync(
        bad,
        JSON.stringify(base({ parameters: { A: { encoding: { type: 'uint', bits: 99 } } } })),
      );
      expect(() => loadMdb(bad)).to.throw(
        `${bad}: /parameters/A/encoding/bits [A] uint must have at most 53 bits (encodingBits)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const demo = loadMdb(new URL('../../src/mdb/demo-mission.json', import.meta.url).pathname);
    expect(demo.containers.map((c) => c.apid)).to.deep.equal([100, 101, 102, 103, 110]);
    expect(demo.byName.has('EPS.BUS_POWER')).to.equal(true);
  });

  it('loads the complete example of the README and decodes a packet laid out as it says', () => {
    const readme = readFileSync(new URL('../../src/mdb/README.md', import.meta.url), 'utf8');
    const example = /## A complete example\s+```json\n([\s\S]*?)\n```/.exec(readme);
    expect(example, 'the README example').to.not.equal(null);
    const p = new PacketProcessor(parseMdb(JSON.parse(example![1]!), 'README.md'));
    const packet = new Uint8Array(30);
    packet[14] = 0x40; // MODE (2 bits at 112) = 1: ON
    packet.set([0x70, 0x17], 15); // TEMP (int16 little-endian at 120) = 6000: 20 degC
    packet.set([0x3e, 0x81, 0x23], 17); // THERMISTOR (12 bits at 136) = 1000; COUNTER high 12 bits at 148 = 0x123
    packet[21] = 0x45; // COUNTER low 8 bits at 168
    packet.set(Buffer.from('v1.2\0'), 22); // VERSION (8 bytes at 176)
    const out = new Collector();
    p.process(42, packet, 1_000, 2_000, out);
    const eng = (name: string) => out.last(p, name).eng;
    expect([eng('MODE'), eng('TEMP'), eng('THERMISTOR'), eng('COUNTER'), eng('VERSION')]).to.deep.equal([
      'ON',
      20,
      0,
      0x12345,
      'v1.2',
    ]);
    expect([eng('TEMP_F'), eng('HOT')]).to.deep.equal([68, false]);
    expect(out.last(p, 'TEMP').limit).to.equal('OK');
  });
});
