import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  decodePacketFile,
  encodePacketRecord,
  MAX_PACKET_BYTES,
  PacketFileDecoder,
  PacketFileError,
  type PacketFileRecord,
  packetFileName,
  parsePacketFileName,
} from '../../src/files/packet-file.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const SAMPLE: PacketFileRecord = {
  ert: 1_763_712_000_123_456,
  scet: 1_763_711_999_000_001,
  station: 'KIR',
  scid: 0x2a,
  vcid: 3,
  apid: 0x123,
  ssc: 0x3fff,
  quality: 0x101,
  vcfc: 0x01020304,
  data: hex('0923ffff0001aabb'),
};
// magic, crc, version 1, header 60, quality, length 8, ert, scet, scid, apid, ssc, vcid, flags,
// vcfc, station 'KIR' NUL-padded to 16, packet.
const SAMPLE_HEX = `53435350 ed89852b 01 3c 0101 00000008 000644163340e240 00064416332fbdc1 002a 0123 3fff 03 01
  01020304 4b495200000000000000000000000000 0923ffff0001aabb`;
const EMPTY: PacketFileRecord = {
  ert: 0,
  scet: 0,
  station: '',
  scid: 0,
  vcid: 0,
  apid: 0,
  ssc: 0,
  quality: 0,
  data: new Uint8Array(0),
};
const EMPTY_HEX = `53435350 e2a0b0a3 01 3c 0000 00000000 ${'00'.repeat(44)}`;

function decodeChunks(chunks: Uint8Array[], onCorrupt?: (e: PacketFileError) => void) {
  const out: PacketFileRecord[] = [];
  const d = new PacketFileDecoder({ onRecord: (r) => out.push(r), ...(onCorrupt ? { onCorrupt } : {}) });
  for (const c of chunks) d.push(c);
  d.end();
  return { out, stats: d.stats };
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.slice(prev, p));
    prev = p;
  }
  return chunks;
}

const plain = (r: PacketFileRecord) => ({ ...r, data: toHex(r.data) });

const recordArb: fc.Arbitrary<PacketFileRecord> = fc
  .record({
    ert: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    scet: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    station: fc.string({ maxLength: 5 }).filter((s) => !s.includes('\0')),
    scid: fc.integer({ min: 0, max: 0xffff }),
    vcid: fc.integer({ min: 0, max: 63 }),
    apid: fc.integer({ min: 0, max: 0x7ff }),
    ssc: fc.integer({ min: 0, max: 0x3fff }),
    quality: fc.integer({ min: 0, max: 0x1ff }),
    vcfc: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
    data: fc.uint8Array({ maxLength: 300 }),
  })
  .map((r) => {
    const { vcfc, ...rest } = r;
    return vcfc === undefined ? rest : { ...rest, vcfc };
  });

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

describe('packet file records', () => {
  it('encodes the documented layout (hex vectors)', () => {
    expect(toHex(encodePacketRecord(SAMPLE))).to.equal(toHex(hex(SAMPLE_HEX)));
    expect(toHex(encodePacketRecord(EMPTY))).to.equal(toHex(hex(EMPTY_HEX)));
    // The CRC field is zlib's CRC-32 of everything after it.
    const rec = hex(SAMPLE_HEX);
    expect(crc32(rec.subarray(8))).to.equal(Buffer.from(rec).readUInt32BE(4));
    // The µs times are plain 64-bit big-endian integers.
    expect(Buffer.from(rec).readBigUInt64BE(16)).to.equal(BigInt(SAMPLE.ert));
  });

  it('decodes the vectors whole and byte by byte', () => {
    const file = concat([hex(SAMPLE_HEX), hex(EMPTY_HEX), hex(SAMPLE_HEX)]);
    const whole = decodePacketFile(file).map(plain);
    expect(whole).to.deep.equal([plain(SAMPLE), plain(EMPTY), plain(SAMPLE)]);
    const bytes = [...file].map((b) => Uint8Array.of(b));
    expect(decodeChunks(bytes).out.map(plain)).to.deep.equal(whole);
    expect(decodePacketFile(hex(EMPTY_HEX))[0]).to.not.have.property('vcfc');
  });

  it('returns views of the chunk for whole records and owns split ones', () => {
    const rec = hex(SAMPLE_HEX);
    const file = concat([rec, rec]);
    const cut = rec.length + 10;
    const { out } = decodeChunks([file.subarray(0, cut), file.subarray(cut)]);
    expect(out[0]!.data.buffer).to.equal(file.buffer);
    expect(out[1]!.data.buffer).to.not.equal(file.buffer);
    expect(toHex(out[1]!.data)).to.equal(toHex(SAMPLE.data));
  });

  it('round-trips random records in random splits (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (records, cuts) => {
          const file = concat(records.map(encodePacketRecord));
          const { out, stats } = decodeChunks(splitAt(file, cuts));
          expect(out.map(plain)).to.deep.equal(records.map(plain));
          expect(stats).to.deep.equal({ records: records.length, skippedBytes: 0, corrupt: 0 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects fields out of range when encoding', () => {
    const bad: Partial<PacketFileRecord>[] = [
      { vcid: 64 },
      { apid: 2048 },
      { ssc: 0x4000 },
      { ert: -1 },
      { scet: 1.5 },
      { quality: 0x10000 },
      { vcfc: 2 ** 32 },
      { station: 'A-VERY-LONG-STATION' },
      { station: 'a\0b' },
      { data: new Uint8Array(MAX_PACKET_BYTES + 1) },
    ];
    for (const b of bad) {
      expect(() => encodePacketRecord({ ...SAMPLE, ...b }), JSON.stringify(b))
        .to.throw(PacketFileError)
        .with.property('code', 'ERR_PACKET_FIELD');
    }
  });

  describe('corrupt input', () => {
    const rec = hex(SAMPLE_HEX);
    const corrupt = (mutate: (b: Uint8Array) => void) => {
      const b = rec.slice();
      mutate(b);
      return b;
    };
    const cases: [string, Uint8Array][] = [
      ['bad magic', corrupt((b) => (b[0] = 0x54))],
      ['bad version', corrupt((b) => (b[8] = 2))],
      ['short header length', corrupt((b) => (b[9] = 59))],
      ['flipped packet bit', corrupt((b) => (b[62]! ^= 1))],
      ['flipped header bit', corrupt((b) => (b[20]! ^= 0x80))],
    ];
    for (const [name, bytes] of cases) {
      it(`strict mode throws ERR_PACKET_FILE_CORRUPT with the offset: ${name}`, () => {
        const file = concat([rec, bytes]);
        const out: PacketFileRecord[] = [];
        const d = new PacketFileDecoder({ onRecord: (r) => out.push(r) });
        expect(() => d.push(file))
          .to.throw(PacketFileError)
          .that.includes({ code: 'ERR_PACKET_FILE_CORRUPT', offset: rec.length });
        expect(out).to.have.length(1);
        expect(() => d.push(rec))
          .to.throw(PacketFileError)
          .with.property('code', 'ERR_PACKET_FILE_CLOSED');
      });
    }

    it('checks the size cap before buffering the packet', () => {
      const big = encodePacketRecord({ ...SAMPLE, data: new Uint8Array(5000) });
      const d = new PacketFileDecoder({ onRecord: () => {}, maxPacketBytes: 4096 });
      // Only the first 16 bytes (length known), far from the whole record.
      expect(() => d.push(big.subarray(0, 16)))
        .to.throw(PacketFileError)
        .with.property('code', 'ERR_PACKET_FILE_CORRUPT');
    });

    it('reports a truncated last record at end()', () => {
      const d = new PacketFileDecoder({ onRecord: () => {} });
      d.push(rec.subarray(0, 30));
      expect(() => d.end())
        .to.throw(PacketFileError)
        .that.includes({ code: 'ERR_PACKET_FILE_TRUNCATED', offset: 0 });
    });

    it('resync mode reports each corrupt stretch once and resumes at the next good record', () => {
      fc.assert(
        fc.property(
          fc.array(recordArb, { minLength: 1, maxLength: 4 }),
          fc.uint8Array({ minLength: 1, maxLength: 200 }),
          fc.array(recordArb, { minLength: 1, maxLength: 4 }),
          fc.array(fc.nat(), { maxLength: 10 }),
          (before, garbage, after, cuts) => {
            const head = concat(before.map(encodePacketRecord));
            // Garbage that starts with a truncated record: a realistic torn write.
            const torn = encodePacketRecord(after[0]!).subarray(0, 40);
            const file = concat([head, torn, garbage, ...after.map(encodePacketRecord)]);
            const errors: PacketFileError[] = [];
            const { out, stats } = decodeChunks(splitAt(file, cuts), (e) => errors.push(e));
            expect(out.slice(0, before.length).map(plain)).to.deep.equal(before.map(plain));
            expect(out.slice(-after.length).map(plain)).to.deep.equal(after.map(plain));
            expect(errors[0]).to.include({ code: 'ERR_PACKET_FILE_CORRUPT', offset: head.length });
            expect(stats.corrupt).to.equal(errors.length);
            expect(stats.records).to.equal(out.length);
          },
        ),
        { numRuns: 200 },
      );
    });

    it('resync mode counts skipped bytes and reports a truncated tail', () => {
      const errors: PacketFileError[] = [];
      const file = concat([hex('00112233'), rec, rec.subarray(0, 20)]);
      const { out, stats } = decodeChunks([file], (e) => errors.push(e));
      expect(out).to.have.length(1);
      expect(errors.map((e) => e.code)).to.deep.equal([
        'ERR_PACKET_FILE_CORRUPT',
        'ERR_PACKET_FILE_TRUNCATED',
      ]);
      expect(stats).to.deep.equal({ records: 1, skippedBytes: 24, corrupt: 2 });
    });
  });
});

describe('packet file names', () => {
  it('is vc_yyyymmddhhmmss of the UTC start, with an optional VC selection', () => {
    const start = Date.UTC(2026, 0, 2, 3, 4, 5, 678) * 1000 + 9;
    expect(packetFileName(start)).to.equal('vc_20260102030405');
    expect(packetFileName(start, [7, 1, 7])).to.equal('vc1-7_20260102030405');
    expect(parsePacketFileName('vc_20260102030405')).to.deep.equal({
      startUs: Date.UTC(2026, 0, 2, 3, 4, 5) * 1000,
    });
    expect(parsePacketFileName('vc1-7_20260102030405')?.vcids).to.deep.equal([1, 7]);
    expect(parsePacketFileName('vc_20261302030405')).to.equal(undefined);
    expect(parsePacketFileName('vc_2026010203040')).to.equal(undefined);
    expect(() => packetFileName(start, [64])).to.throw(PacketFileError);
  });
});
