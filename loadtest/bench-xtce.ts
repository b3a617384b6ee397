// XTCE import benchmark, one thread: a generated 10,000-parameter database (100 packets of 100
// parameters: calibrated counts with limits, enumerations, floats, aggregates) and the real CTIM
// database (9,493 parameters, test/fixtures/xtce-real), imported end to end (XML → findings →
// native schema and rules → resolved model). Peer, measured in the same run: fast-xml-parser
// parsing the same text (the parser the importer used before), against SCS's XML reader alone.
// Then decommutation throughput with the CTIM database on its 1,499 real packets.
// Reports wall-clock and this thread's CPU time (process.threadCpuUsage): on a shared, loaded
// machine the CPU figure is the one to compare.
// Run: node loadtest/bench-xtce.ts [runs]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { XMLParser } from 'fast-xml-parser';
import { parseMdb } from '../src/mdb/load.ts';
import { PacketProcessor, type ProcessorOutput } from '../src/mdb/processor.ts';
import { parseXmlText } from '../src/mdb/xml.ts';
import { importXtce } from '../src/mdb/xtce.ts';
import { corpusDir } from '../test/support/xtce-corpus.ts';

const RUNS = Number(process.argv[2] ?? 7);
const FIXTURES = corpusDir();
if (FIXTURES === undefined) {
  console.error(
    'bench:xtce needs the real corpus in ../shared/fixtures/xtce-real or SCS_XTCE_CORPUS (test/fixtures/xtce-real/SOURCES.md)',
  );
  process.exit(2);
}

/** A 10,000-parameter XTCE database in the CCSDS idiom: abstract header, ComparisonList on the APID. */
function generated(): string {
  const types = `
    <IntegerParameterType name="U3"><IntegerDataEncoding sizeInBits="3"/></IntegerParameterType>
    <IntegerParameterType name="U11"><IntegerDataEncoding sizeInBits="11"/></IntegerParameterType>
    <IntegerParameterType name="U2"><IntegerDataEncoding sizeInBits="2"/></IntegerParameterType>
    <IntegerParameterType name="U14"><IntegerDataEncoding sizeInBits="14"/></IntegerParameterType>
    <IntegerParameterType name="U16"><IntegerDataEncoding sizeInBits="16"/></IntegerParameterType>
    <FloatParameterType name="Volts"><UnitSet><Unit>V</Unit></UnitSet>
      <IntegerDataEncoding sizeInBits="16"><DefaultCalibrator><PolynomialCalibrator><Term coefficient="0" exponent="0"/><Term coefficient="0.01" exponent="1"/></PolynomialCalibrator></DefaultCalibrator></IntegerDataEncoding>
      <DefaultAlarm><StaticAlarmRanges><WarningRange minInclusive="5" maxInclusive="600"/><CriticalRange minInclusive="1" maxInclusive="640"/></StaticAlarmRanges></DefaultAlarm>
    </FloatParameterType>
    <EnumeratedParameterType name="Mode"><IntegerDataEncoding sizeInBits="8"/>
      <EnumerationList><Enumeration value="0" label="OFF"/><Enumeration value="1" label="ON"/><Enumeration value="2" label="SAFE"/></EnumerationList>
    </EnumeratedParameterType>
    <FloatParameterType name="F32"><FloatDataEncoding sizeInBits="32"/></FloatParameterType>
    <AggregateParameterType name="Vec"><MemberList><Member name="x" typeRef="F32"/><Member name="y" typeRef="F32"/><Member name="z" typeRef="F32"/></MemberList></AggregateParameterType>`;
  const params: string[] = ['VERSION U3', 'TYPE U2', 'APID U11', 'SEQ U2', 'COUNT U14', 'LENGTH U16'].map(
    (p) => {
      const [n, t] = p.split(' ');
      return `<Parameter name="${n}" parameterTypeRef="${t === 'U2' && n === 'TYPE' ? 'U2' : t}"/>`;
    },
  );
  const containers: string[] = [];
  let count = 6;
  for (let c = 0; c < 100; c++) {
    const entries: string[] = [];
    for (let i = 0; i < 98; i++) {
      const kind = i % 10 === 9 ? 'Vec' : i % 10 === 8 ? 'Mode' : i % 10 === 7 ? 'F32' : 'Volts';
      const name = `P${c}_${i}`;
      params.push(
        `<Parameter name="${name}" parameterTypeRef="${kind}" shortDescription="parameter ${i} of packet ${c}"/>`,
      );
      entries.push(`<ParameterRefEntry parameterRef="${name}"/>`);
      count += kind === 'Vec' ? 3 : 1;
    }
    containers.push(`<SequenceContainer name="PKT${c}"><EntryList>${entries.join('')}</EntryList>
      <BaseContainer containerRef="Header"><RestrictionCriteria><ComparisonList>
        <Comparison parameterRef="VERSION" value="0" useCalibratedValue="false"/><Comparison parameterRef="APID" value="${c + 1}" useCalibratedValue="false"/>
      </ComparisonList></RestrictionCriteria></BaseContainer></SequenceContainer>`);
  }
  if (count < 10_000) throw new Error(`generated only ${count} parameters`);
  return `<?xml version="1.0"?>
<xtce:SpaceSystem xmlns:xtce="http://www.omg.org/spec/XTCE/20180204" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.omg.org/spec/XTCE/20180204 SpaceSystem.xsd" name="BENCH">
<xtce:Header version="1"/><xtce:TelemetryMetaData><xtce:ParameterTypeSet>${types}</xtce:ParameterTypeSet>
<xtce:ParameterSet>${params.join('\n')}</xtce:ParameterSet><xtce:ContainerSet>
<xtce:SequenceContainer name="Header" abstract="true"><xtce:EntryList>
${['VERSION', 'TYPE', 'APID', 'SEQ', 'COUNT', 'LENGTH'].map((p) => `<xtce:ParameterRefEntry parameterRef="${p}"/>`).join('')}
</xtce:EntryList></xtce:SequenceContainer>${containers.join('\n')}</xtce:ContainerSet></xtce:TelemetryMetaData></xtce:SpaceSystem>`.replaceAll(
    /<(\/?)(?!xtce:|\?)([A-Za-z])/g,
    '<$1xtce:$2',
  );
}

/** Median wall and thread-CPU milliseconds of `RUNS` runs of `fn`. */
function measure(fn: () => unknown): { wall: number; cpu: number } {
  fn(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.threadCpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.threadCpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (a: number[]) => a.toSorted((x, y) => x - y)[a.length >> 1]!;
  return { wall: median(wall), cpu: median(cpu) };
}

const fxp = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
});
const fmt = (m: { wall: number; cpu: number }) => `${m.wall.toFixed(0)} ms wall, ${m.cpu.toFixed(0)} ms CPU`;

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; median of ${RUNS} runs`,
);
for (const [what, text] of [
  ['generated', generated()],
  ['CTIM (real)', readFileSync(`${FIXTURES}ctim.xml`, 'utf8')],
] as const) {
  let params = 0;
  const imp = measure(() => {
    const r = importXtce(text, what, parseMdb);
    if (r.mdb === undefined) throw r.error;
    params = r.mdb.parameters.length;
  });
  const own = measure(() => parseXmlText(text));
  const peer = measure(() => fxp.parse(text));
  console.log(`${what}: ${(text.length / 1e6).toFixed(2)} MB, ${params} parameters`);
  console.log(`  import (XML → model)      ${fmt(imp)}`);
  console.log(`  XML reader alone          ${fmt(own)}`);
  console.log(`  fast-xml-parser (peer)    ${fmt(peer)}   ratio ${(peer.cpu / own.cpu).toFixed(1)}x`);
}

// Decommutation with the real CTIM database on its real packets (all 1,499, repeated).
const mdb = importXtce(readFileSync(`${FIXTURES}ctim.xml`, 'utf8'), 'ctim.xml', parseMdb).mdb!;
const bytes = readFileSync(`${FIXTURES}ctim.ccsds`);
const packets: { apid: number; pkt: Uint8Array }[] = [];
for (let at = 0; at + 6 <= bytes.length; ) {
  const length = ((bytes[at + 4]! << 8) | bytes[at + 5]!) + 7;
  packets.push({ apid: ((bytes[at]! & 7) << 8) | bytes[at + 1]!, pkt: bytes.subarray(at, at + length) });
  at += length;
}
let sink = 0;
const out: ProcessorOutput = {
  sample: (s) => {
    sink += s.quality + s.limit.length;
  },
  event: () => {},
};
const p = new PacketProcessor(mdb);
let samples = 0;
const REPS = 20;
const decom = measure(() => {
  for (let r = 0; r < REPS; r++)
    for (const { apid, pkt } of packets) samples += p.process(apid, pkt, 0, 0, out);
});
const perRun = samples / (RUNS + 1);
console.log(
  `decommutation, CTIM database on its real packets: ${((REPS * packets.length) / (decom.cpu / 1000)).toFixed(0)} packets/CPU-s, ` +
    `${(perRun / (decom.cpu / 1000) / 1e6).toFixed(2)} M samples/CPU-s (${(perRun / REPS / packets.length).toFixed(0)} samples per packet; ${fmt(decom)} per ${REPS}×${packets.length} packets) [sink ${sink % 7}]`,
);
