// The real XTCE corpus (test/fixtures/xtce-real, SOURCES.md): every file imports, none warns about
// a construct SCS claims to support, and two missions' real packets decode to the values their
// own projects' tests assert.
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parseMdb } from '../../src/mdb/load.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { importXtce } from '../../src/mdb/xtce.ts';
import { corpusDir, SOURCES } from '../support/xtce-corpus.ts';
import { Collector } from './support.ts';

const DIR = corpusDir() ?? '';
const read = (name: string) => readFileSync(`${DIR}${name}`);
const imports = new Map<string, ReturnType<typeof importXtce>>();
/** Each file imported once for the whole suite (CTIM's 1.6 MB takes seconds). */
function imported(name: string): ReturnType<typeof importXtce> {
  let r = imports.get(name);
  if (r === undefined) {
    r = importXtce(read(name).toString('utf8'), name, parseMdb);
    imports.set(name, r);
  }
  return r;
}

/** Splits a file of concatenated CCSDS space packets (primary header length field + 7). */
function packets(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 6 <= bytes.length; ) {
    const length = ((bytes[at + 4]! << 8) | bytes[at + 5]!) + 7;
    out.push(bytes.subarray(at, at + length));
    at += length;
  }
  return out;
}

/** Decodes every packet; returns each packet's samples by parameter name. */
function decode(p: PacketProcessor, list: readonly Uint8Array[]): Map<string, unknown>[] {
  return list.map((pkt) => {
    const out = new Collector();
    const apid = ((pkt[0]! & 0x07) << 8) | pkt[1]!;
    p.process(apid, pkt, 0, 0, out);
    return new Map(out.samples.map((s) => [p.mdb.parameters[s.param]!.name, s.raw]));
  });
}

/**
 * Constructs SCS reads (src/mdb/README.md): a finding naming one of them would be a gap. The
 * pattern is on the finding's message: the element or attribute it names.
 */
const SUPPORTED =
  /schemaLocation|attribute nil\b|ComparisonList|ContainerRefEntry|initialValue|<ParameterProperties>|SystemName|dataSource|ValidRange|<Header>|<AbsoluteTimeParameterType>|<AggregateParameterType>|<Member>|bitOrder="mostSignificantBitFirst"|useCalibratedValue/;

/** What each file gives (parameters, containers); a change is a change in coverage, up or down. */
const EXPECTED: Record<string, { parameters: number; containers: number }> = {
  'jpss1-geolocation.xml': { parameters: 27, containers: 1 },
  'ctim.xml': { parameters: 9493, containers: 38 },
  'idex-suda.xml': { parameters: 205, containers: 1 },
  'BogusSAT-1.xml': { parameters: 30, containers: 0 },
  'GovSat_2_0_1.xml': { parameters: 588, containers: 216 },
  'Diagnostic_Log_Packets.xml': { parameters: 15, containers: 0 },
  'fprime-ref-deployment.xml': { parameters: 101, containers: 0 },
};

describe('mdb/xtce real corpus', () => {
  if (DIR === '') {
    it('needs the corpus in ../shared/fixtures/xtce-real or SCS_XTCE_CORPUS (see SOURCES.md)', function () {
      this.skip();
    });
    return;
  }
  const files = readdirSync(DIR).filter((f) => f.endsWith('.xml'));

  it('holds at least six real files, each listed in SOURCES.md with its commit and licence', () => {
    expect(files.length).to.be.at.least(6);
    const sources = readFileSync(SOURCES, 'utf8');
    for (const f of readdirSync(DIR).filter((n) => n !== 'SOURCES.md' && !n.startsWith('.'))) {
      expect(sources, f).to.match(
        new RegExp(
          `\\| \`${f.replaceAll('.', '\\.')}\` \\|[^\\n]*\\| [0-9a-f]{40} \\| (BSD-3-Clause|Apache-2\\.0|MIT) \\|`,
        ),
      );
    }
  });

  for (const f of Object.keys(EXPECTED)) {
    it(`imports ${f}: no warning about a supported construct, every finding with its line`, () => {
      const { mdb, report } = imported(f);
      expect(mdb, f).to.not.equal(undefined);
      expect({ parameters: report.parameters, containers: report.containers }).to.deep.equal(EXPECTED[f]);
      const gaps = report.findings
        .filter((w) => SUPPORTED.test(w.message))
        .map((w) => `${w.line} ${w.message}`);
      expect(gaps, f).to.deep.equal([]);
      for (const w of report.findings) expect(w.line, w.message).to.be.greaterThan(0);
    });
  }

  it('src/mdb/README.md’s supported-subset table is true of the corpus', () => {
    const readme = readFileSync(new URL('../../src/mdb/README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| XTCE element |'));
    const rows = new Map<string, string>();
    for (const line of table.split('\n')) {
      if (!line.startsWith('|')) break;
      const [elements, supported] = line.split(' | ');
      for (const m of elements!.matchAll(/`([A-Za-z]+)`/g)) rows.set(m[1]!, supported!);
    }
    expect(rows.size).to.be.greaterThan(30);
    const named = new Map<string, string>();
    for (const f of Object.keys(EXPECTED)) {
      for (const w of imported(f).report.findings) {
        if (w.rule === 'xtceInvalid') continue; // a fault of the file, not a gap of SCS
        const element = /^<([A-Za-z]+)>/.exec(w.message)?.[1];
        if (element !== undefined) named.set(element, `${f}:${w.line} ${w.message}`);
      }
    }
    const untrue = [...named]
      .filter(([element]) => rows.get(element) !== 'no' && rows.get(element) !== 'partly')
      .map(([element, where]) => `${element} (${rows.get(element) ?? 'not in the table'}): ${where}`);
    expect(untrue).to.deep.equal([]);
  });

  it('JPSS-1: 7,200 real attitude/ephemeris packets decode as space_packet_parser asserts', () => {
    const { mdb: m, report } = imported('jpss1-geolocation.xml');
    const mdb = m!;
    expect(report.findings).to.deep.equal([]);
    expect(mdb.def.parameters.USEC!.description).to.equal('Secondary Header Fine Time (microsecond)');
    const list = packets(read('jpss1-geolocation.DAT1'));
    expect(list).to.have.length(7200);
    const p = new PacketProcessor(mdb);
    const decoded = decode(p, list);
    for (const s of decoded) {
      expect(s.get('PKT_APID')).to.equal(11);
      expect(s.get('VERSION')).to.equal(0);
    }
    // Every parameter of the packet, every time (none out of the packet, no unknown APID).
    expect(decoded.every((s) => s.size === 27)).to.equal(true);
    expect(p.stats()).to.include({ packets: 7200, unknownApid: 0, outOfPacket: 0 });
  });

  it('CTIM: 1,499 real packets decode as space_packet_parser asserts (packet 159: APID 34, SHCOARSE 481168702)', () => {
    const mdb = imported('ctim.xml').mdb!;
    const list = packets(read('ctim.ccsds'));
    expect(list).to.have.length(1499);
    const p = new PacketProcessor(mdb);
    const decoded = decode(p, list);
    expect(decoded[159]!.get('PKT_APID')).to.equal(34);
    expect(decoded[159]!.get('SHCOARSE')).to.equal(481168702);
    expect(p.stats().unknownApid).to.equal(0);
  });
});
