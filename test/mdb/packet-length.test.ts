import { expect } from 'chai';
import { MdbError } from '../../src/mdb/errors.ts';
import { parseMdb } from '../../src/mdb/load.ts';
import { parseXtce } from '../../src/mdb/xtce.ts';

/** One container on APID 100 whose entries end at byte 16 (a 16-bit value at byte 14). */
function doc(length?: unknown) {
  return {
    name: 'LEN',
    version: '1',
    parameters: { V: { encoding: { type: 'uint', bits: 16 } } },
    containers: {
      PKT: {
        apid: 100,
        ...(length === undefined ? {} : { length }),
        entries: [{ parameter: 'V', bitOffset: 112 }],
      },
    },
  };
}

const lengthOf = (length?: unknown) => parseMdb(doc(length), 'len.json').containers[0]!.length;

function issues(length: unknown): { code: string; lines: string[] } {
  try {
    parseMdb(doc(length), 'len.json');
  } catch (err) {
    if (!(err instanceof MdbError)) throw err;
    return { code: err.code, lines: err.issues.map((i) => `${i.path} ${i.rule}`) };
  }
  throw new Error(`length ${JSON.stringify(length)} was accepted`);
}

const xtce = (ancillary: string) => `<?xml version="1.0"?>
<SpaceSystem xmlns="http://www.omg.org/spec/XTCE/20180204" name="SAT"><Header version="1"/>
  <TelemetryMetaData>
    <ParameterTypeSet>
      <IntegerParameterType name="U11"><IntegerDataEncoding sizeInBits="11"/></IntegerParameterType>
      <IntegerParameterType name="U16"><IntegerDataEncoding sizeInBits="16"/></IntegerParameterType>
    </ParameterTypeSet>
    <ParameterSet>
      <Parameter name="APID" parameterTypeRef="U11"/>
      <Parameter name="V" parameterTypeRef="U16"/>
    </ParameterSet>
    <ContainerSet>
      <SequenceContainer name="Packet" abstract="true">
        <EntryList>
          <ParameterRefEntry parameterRef="APID">
            <LocationInContainerInBits referenceLocation="containerStart"><FixedValue>5</FixedValue></LocationInContainerInBits>
          </ParameterRefEntry>
        </EntryList>
      </SequenceContainer>
      <SequenceContainer name="HK">
        ${ancillary}
        <EntryList>
          <ParameterRefEntry parameterRef="V">
            <LocationInContainerInBits referenceLocation="containerStart"><FixedValue>112</FixedValue></LocationInContainerInBits>
          </ParameterRefEntry>
        </EntryList>
        <BaseContainer containerRef="Packet">
          <RestrictionCriteria><Comparison parameterRef="APID" value="100"/></RestrictionCriteria>
        </BaseContainer>
      </SequenceContainer>
    </ContainerSet>
  </TelemetryMetaData>
</SpaceSystem>`;

const scsLength = (text: string) =>
  `<AncillaryDataSet><AncillaryData name="scs.length">${text}</AncillaryData></AncillaryDataSet>`;
const xtceLength = (text: string) =>
  parseXtce(xtce(scsLength(text)), 'sat.xml', parseMdb).containers.find((c) => c.name === 'HK')!.length;

describe('mdb/packet length', () => {
  it('a container without a length matches packets that reach its last entry, however long', () => {
    expect(lengthOf()).to.deep.equal({ min: 16, max: Infinity });
  });

  it('takes an exact length or a range, a missing lower bound being the entries’ end', () => {
    expect(lengthOf(20)).to.deep.equal({ min: 20, max: 20 });
    expect(lengthOf({ min: 10, max: 30 })).to.deep.equal({ min: 10, max: 30 });
    expect(lengthOf({ min: 18 })).to.deep.equal({ min: 18, max: Infinity });
    expect(lengthOf({ max: 30 })).to.deep.equal({ min: 16, max: 30 });
  });

  it('refuses lengths outside a packet’s, empty or reversed ranges, and lengths the entries overrun', () => {
    for (const bad of [6, 65_543, 20.5, '20', {}, { min: 20, max: 30, exact: 25 }]) {
      expect(issues(bad).code, JSON.stringify(bad)).to.equal('ERR_MDB_INVALID');
    }
    expect(issues({ min: 30, max: 20 }).lines).to.deep.equal(['/containers/PKT/length lengthRange']);
    expect(issues(15).lines).to.deep.equal(['/containers/PKT/length lengthExtent']);
    expect(issues({ max: 12 }).lines).to.deep.equal(['/containers/PKT/length lengthExtent']);
  });

  it('imports an XTCE container’s scs.length ancillary data: N, MIN..MAX, MIN.. or ..MAX', () => {
    expect(parseXtce(xtce(''), 'sat.xml', parseMdb).def.containers.HK).to.not.have.property('length');
    expect(xtceLength('20')).to.deep.equal({ min: 20, max: 20 });
    expect(xtceLength('18..30')).to.deep.equal({ min: 18, max: 30 });
    expect(xtceLength('18..')).to.deep.equal({ min: 18, max: Infinity });
    expect(xtceLength('..30')).to.deep.equal({ min: 16, max: 30 });
    // A malformed one is a warning and ignored (the container still decodes, unchecked).
    for (const bad of ['', '..', 'twenty', '-5', '1..2..3']) {
      const mdb = parseXtce(xtce(scsLength(bad)), 'sat.xml', parseMdb);
      expect(mdb.def.containers.HK, bad).to.not.have.property('length');
      expect(mdb.warnings!.map((w) => w.message).join('\n'), bad).to.match(
        /scs\.length ".*" must be a byte count/,
      );
    }
    // What the native schema refuses is refused from XTCE too.
    expect(() => xtceLength('5'))
      .to.throw(MdbError)
      .with.property('code', 'ERR_MDB_INVALID');
  });
});
