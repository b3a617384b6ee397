import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Limit } from '../../protocol/constants.ts';
import { MdbControl } from '../../src/mdb/control.ts';
import { MdbError } from '../../src/mdb/errors.ts';
import { loadMdb, parseMdb, parseMdbText, readMdbText } from '../../src/mdb/load.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { importXtce, parseXtce } from '../../src/mdb/xtce.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Collector } from './support.ts';

const DEMO_JSON = new URL('../../src/mdb/demo-mission.json', import.meta.url).pathname;
const DEMO_XML = new URL('../../src/mdb/demo-mission.xml', import.meta.url).pathname;

const xtce = (body: string, header = '<Header version="7"/>') =>
  `<?xml version="1.0"?>\n<SpaceSystem xmlns="http://www.omg.org/spec/XTCE/20180204" name="SAT">${header}${body}</SpaceSystem>`;

const load = (text: string) => parseXtce(text, 'sat.xml', parseMdb);

/** A primary header base container with the APID, then `body` types/parameters/containers. */
const HEADER_TYPES = `
  <IntegerParameterType name="U11"><IntegerDataEncoding sizeInBits="11"/></IntegerParameterType>
  <IntegerParameterType name="U14"><IntegerDataEncoding sizeInBits="14"/></IntegerParameterType>`;
const HEADER_CONTAINER = `
  <SequenceContainer name="Packet" abstract="true">
    <EntryList>
      <ParameterRefEntry parameterRef="APID">
        <LocationInContainerInBits referenceLocation="containerStart"><FixedValue>5</FixedValue></LocationInContainerInBits>
      </ParameterRefEntry>
      <ParameterRefEntry parameterRef="SSC">
        <LocationInContainerInBits><FixedValue>2</FixedValue></LocationInContainerInBits>
      </ParameterRefEntry>
    </EntryList>
  </SequenceContainer>`;

function telemetry(types: string, params: string, containers: string): string {
  return `<TelemetryMetaData>
    <ParameterTypeSet>${HEADER_TYPES}${types}</ParameterTypeSet>
    <ParameterSet>
      <Parameter name="APID" parameterTypeRef="U11"/>
      <Parameter name="SSC" parameterTypeRef="U14"/>
      ${params}
    </ParameterSet>
    <ContainerSet>${HEADER_CONTAINER}${containers}</ContainerSet>
  </TelemetryMetaData>`;
}

/** A concrete container on `apid` holding `entries` (after the 32-bit header fields). */
const concrete = (apid: number, entries: string, base = 'Packet') => `
  <SequenceContainer name="HK${apid}">
    <EntryList>${entries}</EntryList>
    <BaseContainer containerRef="${base}">
      <RestrictionCriteria><Comparison parameterRef="APID" value="${apid}"/></RestrictionCriteria>
    </BaseContainer>
  </SequenceContainer>`;

describe('mdb/xtce', () => {
  it('imports the demo mission as exactly the database of demo-mission.json', () => {
    const json = loadMdb(DEMO_JSON);
    const xml = loadMdb(DEMO_XML);
    for (const part of [
      'name',
      'version',
      'description',
      'parameters',
      'derived',
      'containers',
      'limitLists',
    ]) {
      expect(xml.def[part as keyof typeof xml.def], part).to.deep.equal(
        json.def[part as keyof typeof json.def],
      );
    }
    const a = new PacketProcessor(json);
    const b = new PacketProcessor(xml);
    expect(b.dictionary()).to.deep.equal(a.dictionary());
    // The same packets (random contents, some cut short) decode to the same samples and events.
    const outA = new Collector();
    const outB = new Collector();
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let k = 0; k < 400; k++) {
      const apid = [100, 101, 102, 103, 110][k % 5]!;
      const length = k % 17 === 0 ? 20 : 48;
      const packet = Uint8Array.from({ length }, rand);
      packet[0] = (packet[0]! & 0xf8) | (apid >> 8);
      packet[1] = apid & 0xff;
      a.process(apid, packet, k, k + 1, outA);
      b.process(apid, packet, k, k + 1, outB);
    }
    expect(outB.samples).to.have.length.above(4000);
    expect(outB.samples).to.deep.equal(outA.samples);
    expect(outB.events).to.deep.equal(outA.events);
    expect(outB.events.length).to.be.above(10);
  });

  it('reads the supported subset: nesting, references, layouts, encodings, calibrators, alarms', () => {
    const types = `
      <FloatParameterType name="Volts">
        <UnitSet><Unit description="volt">V</Unit></UnitSet>
        <IntegerDataEncoding sizeInBits="12" encoding="unsigned">
          <DefaultCalibrator><PolynomialCalibrator><Term coefficient="0.5" exponent="2"/><Term coefficient="-1" exponent="0"/></PolynomialCalibrator></DefaultCalibrator>
        </IntegerDataEncoding>
        <DefaultAlarm minViolations="2">
          <StaticAlarmRanges><WarningRange minExclusive="0" maxInclusive="100"/><CriticalRange maxExclusive="200"/></StaticAlarmRanges>
        </DefaultAlarm>
      </FloatParameterType>
      <FloatParameterType name="Thermistor">
        <UnitSet><Unit>degC</Unit></UnitSet>
        <IntegerDataEncoding sizeInBits="16" byteOrder="leastSignificantByteFirst">
          <DefaultCalibrator><SplineCalibrator order="3" extrapolate="true">
            <SplinePoint raw="0" calibrated="-50"/><SplinePoint raw="1000" calibrated="0"/><SplinePoint raw="4000" calibrated="100"/>
          </SplineCalibrator></DefaultCalibrator>
        </IntegerDataEncoding>
      </FloatParameterType>
      <FloatParameterType name="F32"><FloatDataEncoding sizeInBits="32"/></FloatParameterType>
      <FloatParameterType name="F64LE"><FloatDataEncoding sizeInBits="64" byteOrder="leastSignificantByteFirst" encoding="IEEE754"/></FloatParameterType>
      <IntegerParameterType name="S8" signed="true"><IntegerDataEncoding sizeInBits="8" encoding="twosComplement"/></IntegerParameterType>
      <BooleanParameterType name="Flag"><IntegerDataEncoding sizeInBits="1"/></BooleanParameterType>
      <StringParameterType name="Label"><StringDataEncoding><SizeInBits><Fixed><FixedValue>32</FixedValue></Fixed></SizeInBits></StringDataEncoding></StringParameterType>
      <BinaryParameterType name="Blob"><BinaryDataEncoding><SizeInBits><FixedValue>16</FixedValue></SizeInBits></BinaryDataEncoding></BinaryParameterType>`;
    const params = `
      <Parameter name="V" parameterTypeRef="Volts" shortDescription="bus voltage"/>
      <Parameter name="T" parameterTypeRef="Thermistor"/>
      <Parameter name="F" parameterTypeRef="F32"/>
      <Parameter name="D" parameterTypeRef="F64LE"/>
      <Parameter name="S" parameterTypeRef="S8"/>
      <Parameter name="ON" parameterTypeRef="Flag"><ParameterProperties dataSource="telemetered"/></Parameter>
      <Parameter name="NAME" parameterTypeRef="Label"/>
      <Parameter name="RAW" parameterTypeRef="Blob"/>`;
    // A subsystem: its own enumerated type with an alarm, a context-switched limit on /SAT/S,
    // and a derived parameter; a concrete container two levels below the abstract header.
    const sub = `<SpaceSystem name="PWR"><TelemetryMetaData>
      <ParameterTypeSet>
        <EnumeratedParameterType name="Mode">
          <IntegerDataEncoding sizeInBits="8"/>
          <EnumerationList><Enumeration value="0" label="OFF"/><Enumeration value="1" label="ON"/><Enumeration value="2" label="FAULT"/></EnumerationList>
          <DefaultAlarm><EnumerationAlarmList><EnumerationAlarm alarmLevel="critical" enumerationLabel="FAULT"/></EnumerationAlarmList></DefaultAlarm>
        </EnumeratedParameterType>
        <IntegerParameterType name="Current">
          <IntegerDataEncoding sizeInBits="8"/>
          <DefaultAlarm><StaticAlarmRanges><CriticalRange maxInclusive="100"/></StaticAlarmRanges></DefaultAlarm>
          <ContextAlarmList><ContextAlarm>
            <ContextMatch><Comparison parameterRef="MODE" value="OFF"/></ContextMatch>
            <StaticAlarmRanges><CriticalRange maxInclusive="5"/></StaticAlarmRanges>
          </ContextAlarm></ContextAlarmList>
        </IntegerParameterType>
        <FloatParameterType name="Watts"><UnitSet><Unit>W</Unit></UnitSet></FloatParameterType>
      </ParameterTypeSet>
      <ParameterSet>
        <Parameter name="MODE" parameterTypeRef="Mode"/>
        <Parameter name="I" parameterTypeRef="Current"/>
        <Parameter name="P" parameterTypeRef="Watts">
          <AncillaryDataSet><AncillaryData name="scs.expression">V * PWR.I</AncillaryData></AncillaryDataSet>
        </Parameter>
      </ParameterSet>
      <ContainerSet>
        <SequenceContainer name="Power" abstract="true">
          <EntryList><ParameterRefEntry parameterRef="/SAT/V"><LocationInContainerInBits referenceLocation="containerStart"><FixedValue>48</FixedValue></LocationInContainerInBits></ParameterRefEntry></EntryList>
          <BaseContainer containerRef="../Packet"/>
        </SequenceContainer>
        <SequenceContainer name="PWR_HK">
          <EntryList>
            <ParameterRefEntry parameterRef="MODE"/>
            <ParameterRefEntry parameterRef="I"/>
          </EntryList>
          <BaseContainer containerRef="Power">
            <RestrictionCriteria><ComparisonList><Comparison parameterRef="/SAT/APID" value="9" comparisonOperator="=="/></ComparisonList></RestrictionCriteria>
          </BaseContainer>
        </SequenceContainer>
      </ContainerSet>
    </TelemetryMetaData></SpaceSystem>`;
    // HK5: T at byte 4 (little-endian), then F, D, S, NAME, RAW, ON (1 bit), each after the previous.
    const entries = ['T', 'F', 'D', 'S', 'NAME', 'RAW', 'ON']
      .map((p, i) =>
        i === 0
          ? `<ParameterRefEntry parameterRef="${p}"><LocationInContainerInBits referenceLocation="containerStart"><FixedValue>32</FixedValue></LocationInContainerInBits></ParameterRefEntry>`
          : `<ParameterRefEntry parameterRef="${p}"/>`,
      )
      .join('');
    const mdb = load(
      xtce(
        telemetry(types, params, concrete(5, entries)) +
          `<AncillaryDataSet><AncillaryData name="scs.limitList.POWER">V PWR.I</AncillaryData><AncillaryData name="other">ignored note</AncillaryData></AncillaryDataSet>` +
          sub,
      ),
    );
    expect(mdb.def).to.include({ name: 'SAT', version: '7' });
    expect(Object.keys(mdb.def.parameters)).to.deep.equal([
      'APID',
      'SSC',
      'V',
      'T',
      'F',
      'D',
      'S',
      'ON',
      'NAME',
      'RAW',
      'PWR.MODE',
      'PWR.I',
    ]);
    expect(mdb.def.parameters.V).to.deep.include({
      description: 'bus voltage',
      unit: 'V',
      calibration: { type: 'polynomial', coefficients: [-1, 0, 0.5] },
    });
    expect(mdb.def.parameters.V!.limits).to.deep.include({
      persistence: 2,
      warning: { low: 0, high: 100, lowInclusive: false, highInclusive: true },
      alarm: { high: 200, lowInclusive: true, highInclusive: false },
    });
    expect(mdb.def.parameters['PWR.I']!.limits!.switched).to.deep.include({
      parameter: 'PWR.MODE',
      values: ['OFF'],
    });
    expect(mdb.def.derived['PWR.P']).to.deep.include({ unit: 'W', expression: 'V * PWR.I' });
    expect(mdb.def.containers.HK5!.entries.map((e) => [e.parameter, e.bitOffset])).to.deep.equal([
      ['APID', 5],
      ['SSC', 18],
      ['T', 32],
      ['F', 48],
      ['D', 80],
      ['S', 144],
      ['NAME', 152],
      ['RAW', 184],
      ['ON', 200],
    ]);
    expect(mdb.def.containers['PWR.PWR_HK']).to.deep.include({ apid: 9 });
    expect(mdb.def.limitLists).to.deep.equal({ POWER: ['V', 'PWR.I'] });

    const p = new PacketProcessor(mdb);
    const out = new Collector();
    const hk = new DataView(new ArrayBuffer(26));
    hk.setUint16(0, 5);
    hk.setUint16(4, 2500, true);
    hk.setFloat32(6, 1.5);
    hk.setFloat64(10, -2.25, true);
    hk.setInt8(18, -2);
    hk.setUint8(19, 0x41);
    hk.setUint8(20, 0x42);
    hk.setUint16(23, 0xdead);
    hk.setUint8(25, 0x80);
    p.process(5, new Uint8Array(hk.buffer), 1, 2, out);
    const t = out.last(p, 'T');
    expect(t.raw).to.equal(2500);
    expect(t.eng).to.be.within(40, 60);
    expect(out.last(p, 'F').eng).to.equal(1.5);
    expect(out.last(p, 'D').eng).to.equal(-2.25);
    expect(out.last(p, 'S').eng).to.equal(-2);
    expect(out.last(p, 'NAME').eng).to.equal('AB');
    expect(out.last(p, 'RAW').eng).to.deep.equal(Uint8Array.of(0xde, 0xad));
    expect(out.last(p, 'ON').eng).to.equal(true);
    // PWR_HK: V (12 bits at 48) = 160, MODE (8 bits at 60) = OFF, I (8 bits at 68) = 6.
    p.process(9, Uint8Array.of(0x00, 0x09, 0xc0, 0x01, 0, 0, 0x0a, 0x00, 0x00, 0x60), 1, 2, out);
    const v = out.last(p, 'V');
    expect(v.raw).to.equal(160);
    expect(v.eng).to.equal(0.5 * 160 * 160 - 1);
    expect(v.limit).to.equal(Limit.OK); // persistence 2: the first violating sample does not count yet
    expect(out.last(p, 'PWR.MODE').eng).to.equal('OFF');
    // While MODE is OFF the context alarm (critical above 5) applies, not the default (above 100).
    expect(out.last(p, 'PWR.I')).to.deep.include({ eng: 6, limit: Limit.ALARM_HIGH });
    expect(out.last(p, 'PWR.P').eng).to.equal(12_799 * 6);
  });

  it('imports what it can: each unusable element is one warning with its line, naming what is left out', () => {
    const mathType =
      '<FloatParameterType name="M"><IntegerDataEncoding sizeInBits="8"><DefaultCalibrator><MathOperationCalibrator/></DefaultCalibrator></IntegerDataEncoding></FloatParameterType>';
    const cases: [string, string, RegExp][] = [
      [
        'relative time type',
        xtce(
          telemetry(
            '<RelativeTimeParameterType name="Dt"/>',
            '<Parameter name="X" parameterTypeRef="Dt"/>',
            '',
          ),
        ),
        /ParameterTypeSet\/RelativeTimeParameterType\[Dt\] <RelativeTimeParameterType> is not supported; left out: X/,
      ],
      [
        'math calibrator',
        xtce(
          telemetry(
            mathType,
            '<Parameter name="X" parameterTypeRef="M"/><Parameter name="Y" parameterTypeRef="U11"/>',
            concrete(3, '<ParameterRefEntry parameterRef="X"/><ParameterRefEntry parameterRef="Y"/>'),
          ),
        ),
        /<MathOperationCalibrator> is not supported: no engineering value; left out: X/,
      ],
      [
        'repeat entry',
        xtce(
          telemetry(
            '',
            '',
            concrete(
              3,
              '<ParameterRefEntry parameterRef="APID"><RepeatEntry><Count><FixedValue>2</FixedValue></Count></RepeatEntry></ParameterRefEntry><ParameterRefEntry parameterRef="SSC"/>',
            ),
          ),
        ),
        /ParameterRefEntry\/RepeatEntry <RepeatEntry> is not supported: the entry is left out, and what follows it has no fixed place; left out: APID in HK3, SSC in HK3/,
      ],
      [
        'restriction not on the APID',
        xtce(
          telemetry(
            '',
            '',
            `<SequenceContainer name="C"><EntryList/><BaseContainer containerRef="Packet"><RestrictionCriteria><Comparison parameterRef="SSC" value="1"/></RestrictionCriteria></BaseContainer></SequenceContainer>`,
          ),
        ),
        /<Comparison> on "SSC" \(bits 18–31\) is not supported: SCS selects a packet's container by its APID alone; left out: container C/,
      ],
      [
        'commanding',
        xtce(`<CommandMetaData/>${telemetry('', '', '')}`),
        /CommandMetaData <CommandMetaData> is not imported/,
      ],
      [
        'ones complement',
        xtce(
          telemetry(
            '<IntegerParameterType name="O"><IntegerDataEncoding encoding="onesComplement"/></IntegerParameterType>',
            '<Parameter name="X" parameterTypeRef="O"/>',
            '',
          ),
        ),
        /encoding="onesComplement" is not supported \(supported: unsigned, twosComplement\); left out: X/,
      ],
      [
        'unknown attribute',
        xtce(telemetry('', '<Parameter name="X" parameterTypeRef="U11" colour="3"/>', '')),
        /<Parameter> attribute colour is not supported: ignored/,
      ],
      [
        'terminated string',
        xtce(
          telemetry(
            '<StringParameterType name="Z"><StringDataEncoding><SizeInBits><TerminationChar>00</TerminationChar></SizeInBits></StringDataEncoding></StringParameterType>',
            '<Parameter name="S" parameterTypeRef="Z"/>',
            '',
          ),
        ),
        /<TerminationChar> sizes are not supported \(only fixed sizes\); left out: S/,
      ],
    ];
    for (const [what, text, expected] of cases) {
      const mdb = load(text);
      const warnings = (mdb.warnings ?? []).map((i) => `${i.path} ${i.message}`);
      expect(warnings.join('\n'), `${what}: ${warnings.join('\n')}`).to.match(expected);
      expect(
        mdb.parameters.map((p) => p.name),
        what,
      ).to.include.members(['APID', 'SSC']);
      // Strict import refuses the same file, listing the same findings.
      const err = (() => {
        try {
          parseXtce(text, 'sat.xml', parseMdb, { strict: true });
        } catch (e) {
          return e as MdbError;
        }
        throw new Error('strict import succeeded');
      })();
      expect(err.code, what).to.equal('ERR_MDB_XTCE_UNSUPPORTED');
      expect(err.message, what).to.match(/^sat\.xml:\d+: /);
    }
    // One root cause is one message: a type used by three parameters is one warning listing them.
    const shared = load(
      xtce(
        telemetry(
          mathType,
          '<Parameter name="A" parameterTypeRef="M"/><Parameter name="B" parameterTypeRef="M"/><Parameter name="C" parameterTypeRef="M"/>',
          concrete(4, '<ParameterRefEntry parameterRef="A"/><ParameterRefEntry parameterRef="SSC"/>'),
        ),
      ),
    );
    expect(shared.warnings!.map((w) => w.message)).to.deep.equal([
      '<MathOperationCalibrator> is not supported: no engineering value; left out: A, B, C',
    ]);
    // The container keeps what does not depend on A: A's size is known, SSC lies after it.
    expect(shared.def.containers.HK4!.entries.map((e) => [e.parameter, e.bitOffset])).to.deep.equal([
      ['APID', 5],
      ['SSC', 18],
      ['SSC', 40],
    ]);
  });

  it('reports unresolved references and bad values as warnings, refuses a file with nothing usable, and malformed XML with its position', () => {
    const mdb = load(
      xtce(
        telemetry(
          '<IntegerParameterType name="B"><IntegerDataEncoding sizeInBits="x"/></IntegerParameterType>',
          '<Parameter name="X" parameterTypeRef="Nope"/><Parameter name="Y" parameterTypeRef="B"/>',
          concrete(4, '<ParameterRefEntry parameterRef="Missing"/>', 'NoBase'),
        ),
        '',
      ),
    );
    const lines = mdb.warnings!.map((i) => i.message).join('\n');
    expect(lines).to.include('names an unknown type "Nope"; left out: X');
    expect(lines).to.include('attribute sizeInBits must be a whole number, not "x"; left out: Y');
    expect(lines).to.include('names an unknown container "NoBase"; left out: container HK4');
    expect(mdb.def.version).to.equal('unversioned');
    expect(Object.keys(mdb.def.parameters)).to.deep.equal(['APID', 'SSC']);
    expect(() => load(xtce('<TelemetryMetaData/>')))
      .to.throw(MdbError, /no parameter SCS can use remains/)
      .with.property('code', 'ERR_MDB_XTCE_UNSUPPORTED');
    const dir = mkdtempSync(join(tmpdir(), 'xtce-'));
    try {
      const file = join(dir, 'bad.xml');
      writeFileSync(file, '<SpaceSystem name="A">\n  <Header version="1">\n</SpaceSystem>');
      expect(() => loadMdb(file))
        .to.throw(MdbError)
        .that.satisfies(
          (e: MdbError) => e.code === 'ERR_MDB_PARSE' && /bad\.xml:3: .*line 3/.test(e.message),
        );
      writeFileSync(file, '<!DOCTYPE x [<!ENTITY a "aaaa">]><SpaceSystem name="A"/>');
      expect(() => loadMdb(file))
        .to.throw(MdbError)
        .with.property('code', 'ERR_MDB_PARSE');
      // Well-formed but nested beyond the parser's bound: a parse error, not a bare Error.
      writeFileSync(file, `${'<SpaceSystem name="B">'.repeat(5000)}${'</SpaceSystem>'.repeat(5000)}`);
      expect(() => loadMdb(file))
        .to.throw(MdbError, /nested tags/)
        .with.property('code', 'ERR_MDB_PARSE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reloads from the JSON demo to the XTCE demo at run time: the same parameter list', () => {
    const control = new MdbControl(new PacketProcessor(loadMdb(DEMO_JSON)), silentLogger(), {
      emit: () => {},
      clock: new FakeClock(),
    });
    const reply = control.handle({ op: 'reload', file: 'demo-mission.xml' });
    expect(reply).to.deep.include({ ok: true, op: 'reload' });
    expect(control.processor.mdb.source).to.equal(DEMO_XML);
  });

  it('strict import (config mdb.strict) refuses a file with findings, at start and on reload', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtce-strict-'));
    try {
      const clean = join(dir, 'clean.xml');
      const partial = join(dir, 'partial.xml');
      writeFileSync(clean, xtce(telemetry('', '', concrete(3, ''))));
      writeFileSync(
        partial,
        xtce(telemetry('', '', concrete(3, '').replace('name="HK3"', 'name="HK3" colour="3"'))),
      );
      expect(parseMdbText({ ...readMdbText(partial) }).warnings).to.have.length(1);
      expect(() => parseMdbText({ ...readMdbText(partial), strict: true }))
        .to.throw(MdbError, /partial\.xml:\d+: .*attribute colour is not supported/)
        .with.property('code', 'ERR_MDB_XTCE_UNSUPPORTED');
      const control = new MdbControl(
        new PacketProcessor(parseMdbText({ ...readMdbText(clean), strict: true })),
        silentLogger(),
        { emit: () => {}, clock: new FakeClock() },
      );
      expect(control.handle({ op: 'reload', file: 'partial.xml' })).to.deep.include({
        ok: false,
        code: 'ERR_MDB_XTCE_UNSUPPORTED',
      });
      expect(control.handle({ op: 'reload', file: 'clean.xml' })).to.deep.include({ ok: true });
      // Not strict: the partial file loads, and the reload event says parts were left out.
      const events: string[] = [];
      const lenient = new MdbControl(new PacketProcessor(parseMdbText(readMdbText(clean))), silentLogger(), {
        emit: (e) => events.push(e.message),
        clock: new FakeClock(),
      });
      expect(lenient.handle({ op: 'reload', file: 'partial.xml' })).to.deep.include({ ok: true });
      expect(events.at(-1)).to.match(
        /loaded from partial\.xml \(2 parameters, 1 containers; 1 finding\(s\) left parts out/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('aggregates and fixed arrays are their leaves (POS.x, TEMPS[1]); time types, boolean texts, member references', () => {
    const text = `<?xml version="1.0"?>
<SpaceSystem xmlns="http://www.omg.org/spec/XTCE/20180204" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x y" name="AGG">
  <TelemetryMetaData>
    <ParameterTypeSet>
      <AggregateParameterType name="Id"><MemberList>
        <Member name="Version" typeRef="U3"/><Member name="Type" typeRef="TmTc"/><Member name="SecHdr" typeRef="U1"/><Member name="APID" typeRef="U11"/>
      </MemberList></AggregateParameterType>
      <IntegerParameterType name="U3" initialValue="0"><IntegerDataEncoding sizeInBits="3"/></IntegerParameterType>
      <IntegerParameterType name="U1"><IntegerDataEncoding sizeInBits="1"/></IntegerParameterType>
      <IntegerParameterType name="U11"><IntegerDataEncoding sizeInBits="11"/></IntegerParameterType>
      <IntegerParameterType name="U16"><IntegerDataEncoding sizeInBits="16"/><ValidRange minInclusive="0" maxInclusive="9"/></IntegerParameterType>
      <BooleanParameterType name="TmTc" zeroStringValue="TM" oneStringValue="TC"><IntegerDataEncoding sizeInBits="1"/></BooleanParameterType>
      <FloatParameterType name="F32"><UnitSet><Unit>m</Unit></UnitSet><FloatDataEncoding sizeInBits="32" bitOrder="mostSignificantBitFirst"/></FloatParameterType>
      <AggregateParameterType name="Vec"><MemberList><Member name="x" typeRef="F32"/><Member name="y" typeRef="F32"/></MemberList></AggregateParameterType>
      <ArrayParameterType name="Temps" arrayTypeRef="U16"><DimensionList><Dimension>
        <StartingIndex><FixedValue>0</FixedValue></StartingIndex><EndingIndex><FixedValue>2</FixedValue></EndingIndex>
      </Dimension></DimensionList></ArrayParameterType>
      <AbsoluteTimeParameterType name="Obt">
        <Encoding scale="0.5" offset="10" units="seconds"><IntegerDataEncoding sizeInBits="32"/></Encoding>
        <ReferenceTime><Epoch>1980-01-06T00:00:00</Epoch></ReferenceTime>
      </AbsoluteTimeParameterType>
      <AbsoluteTimeParameterType name="GroundTime"><ReferenceTime><Epoch>UNIX</Epoch></ReferenceTime></AbsoluteTimeParameterType>
    </ParameterTypeSet>
    <ParameterSet>
      <Parameter name="PKT_ID" parameterTypeRef="Id"/>
      <Parameter name="SEQ" parameterTypeRef="U16"/>
      <Parameter name="LEN" parameterTypeRef="U16"><ParameterProperties dataSource="telemetered"><SystemName>SC</SystemName></ParameterProperties></Parameter>
      <Parameter name="TIME" parameterTypeRef="Obt"/>
      <Parameter name="POS" parameterTypeRef="Vec"/>
      <Parameter name="TEMPS" parameterTypeRef="Temps"/>
      <Parameter name="RECEIVED" parameterTypeRef="GroundTime"/>
    </ParameterSet>
    <ContainerSet>
      <SequenceContainer name="Header" abstract="true"><EntryList>
        <ParameterRefEntry parameterRef="PKT_ID"/><ParameterRefEntry parameterRef="SEQ"/><ParameterRefEntry parameterRef="LEN"/>
      </EntryList></SequenceContainer>
      <SequenceContainer name="Tm" abstract="true"><EntryList/>
        <BaseContainer containerRef="Header"><RestrictionCriteria><ComparisonList>
          <Comparison parameterRef="PKT_ID/Version" value="0" useCalibratedValue="false"/><Comparison parameterRef="PKT_ID.Type" value="TM"/>
        </ComparisonList></RestrictionCriteria></BaseContainer>
      </SequenceContainer>
      <SequenceContainer name="Nav"><EntryList>
        <ParameterRefEntry parameterRef="TIME"/><ParameterRefEntry parameterRef="POS"/><ParameterRefEntry parameterRef="TEMPS"/>
      </EntryList>
        <BaseContainer containerRef="Tm"><RestrictionCriteria><ComparisonList><Comparison parameterRef="PKT_ID/APID" value="42"/></ComparisonList></RestrictionCriteria></BaseContainer>
      </SequenceContainer>
    </ContainerSet>
  </TelemetryMetaData>
</SpaceSystem>`;
    const { mdb, report } = importXtce(text, 'agg.xml', parseMdb);
    expect(report.findings).to.deep.equal([]);
    expect(report.ground).to.deep.equal(['RECEIVED']);
    expect(mdb!.def.version).to.equal('unversioned');
    expect(mdb!.parameters.map((p) => p.name)).to.deep.equal([
      'PKT_ID.Version',
      'PKT_ID.Type',
      'PKT_ID.SecHdr',
      'PKT_ID.APID',
      'SEQ',
      'LEN',
      'TIME',
      'POS.x',
      'POS.y',
      'TEMPS[0]',
      'TEMPS[1]',
      'TEMPS[2]',
    ]);
    expect(mdb!.def.containers.Nav).to.deep.include({ apid: 42 });
    expect(mdb!.def.parameters['PKT_ID.Type']!.calibration).to.deep.equal({
      type: 'enumeration',
      states: { '0': 'TM', '1': 'TC' },
    });
    const pkt = new DataView(new ArrayBuffer(6 + 4 + 8 + 6));
    pkt.setUint16(0, 42);
    pkt.setUint32(6, 100);
    pkt.setFloat32(10, 1.5);
    pkt.setFloat32(14, -2);
    pkt.setUint16(18, 7);
    pkt.setUint16(20, 8);
    pkt.setUint16(22, 9);
    const p = new PacketProcessor(mdb!);
    const out = new Collector();
    p.process(42, new Uint8Array(pkt.buffer), 1, 2, out);
    expect(out.last(p, 'PKT_ID.Type').eng).to.equal('TM');
    expect(out.last(p, 'POS.y')).to.deep.include({ eng: -2 });
    expect(out.last(p, 'TEMPS[2]').eng).to.equal(9);
    // GPS epoch (1980-01-06) + offset 10 s + 100 × 0.5 s, in seconds since 1970.
    expect(out.last(p, 'TIME').eng).to.equal(315_964_800 + 10 + 50);
    expect(p.mdb.parameters[p.mdb.byName.get('TIME')!]!.unit).to.equal('s');
  });
});
