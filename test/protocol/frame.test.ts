import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_CLIENT_BODY, MAX_SERVER_BODY, MessageType } from '../../protocol/constants.ts';
import { decodeBody, FrameDecoder } from '../../protocol/decoder.ts';
import { encodeHeader, encodeMessage, encodeSharedFrame, prepareSharedBody } from '../../protocol/encode.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { pack } from '../../protocol/msgpack.ts';
import type { Frame } from '../../protocol/types.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Vectors written out by hand from ICD §2; the CRCs were checked with Python's zlib.crc32.
const VECTORS = [
  {
    name: 'PING, seq 0, time 0, empty body',
    bytes: hex('1acffc1d 01 20 0000 00000000 0000000000000000 00000000 4e3d6b13'),
    frame: { type: 0x20, flags: 0, seq: 0, time: 0, body: '' },
  },
  {
    name: 'PING, seq 1, time 1700000000000000, body {}',
    bytes: hex('1acffc1d 01 20 0000 00000001 00060a24181e4000 00000001 80 4e5828e8'),
    frame: { type: 0x20, flags: 0, seq: 1, time: 1_700_000_000_000_000, body: '80' },
  },
  {
    name: 'REQUEST, seq 2^32-1, time 2^53-1, body {agency: "esa"}',
    bytes: hex('1acffc1d 01 01 0000 ffffffff 001fffffffffffff 0000000c 81a66167656e6379a3657361 4f0f7d3a'),
    frame: { type: 0x01, flags: 0, seq: 0xffffffff, time: 2 ** 53 - 1, body: '81a66167656e6379a3657361' },
  },
] as const;

function view(frame: Frame): { type: number; flags: number; seq: number; time: number; body: string } {
  return { ...frame, body: Buffer.from(frame.body).toString('hex') };
}

function decodeAll(chunks: Uint8Array[], maxBody = MAX_SERVER_BODY): Frame[] {
  const decoder = new FrameDecoder({ maxBody });
  const frames = chunks.flatMap((c) => decoder.push(c));
  expect(decoder.pending).to.equal(0);
  return frames;
}

/** Cuts `bytes` at the given offsets (sorted, deduplicated). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

function pushAll(decoder: FrameDecoder, chunks: Uint8Array[]): void {
  for (const chunk of chunks) decoder.push(chunk);
}

function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

function expectCode(fn: () => unknown, code: string, nakCode: string): ProtocolError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).to.be.instanceOf(ProtocolError);
  const err = caught as ProtocolError;
  expect(err.code).to.equal(code);
  expect(err.nakCode).to.equal(nakCode);
  return err;
}

const STREAM = Buffer.concat(VECTORS.map((v) => v.bytes));
const EXPECTED = VECTORS.map((v) => v.frame);

describe('protocol/frame encode', () => {
  for (const v of VECTORS) {
    it(`encodes the vector: ${v.name}`, () => {
      const body = v.frame.body === '' ? undefined : hex(v.frame.body);
      expect(encodeMessage(v.frame.type, v.frame.seq, v.frame.time, body).toString('hex')).to.equal(
        v.bytes.toString('hex'),
      );
    });
  }

  it('packs an object body with msgpack', () => {
    const frame = encodeMessage(MessageType.REQUEST, 0xffffffff, 2 ** 53 - 1, { agency: 'esa' });
    expect(frame.equals(VECTORS[2].bytes)).to.equal(true);
  });

  it('wraps the sequence counter mod 2^32', () => {
    const frame = encodeMessage(MessageType.PING, 2 ** 32 + 1, 0);
    expect(frame.readUInt32BE(8)).to.equal(1);
  });

  it('writes a header into a caller buffer at an offset', () => {
    const out = Buffer.alloc(30, 0xee);
    encodeHeader(MessageType.DATA, 7, 1_700_000_000_000_000, 300, out, 3);
    expect(out.subarray(0, 3).toString('hex')).to.equal('eeeeee');
    expect(out.subarray(3, 27).toString('hex')).to.equal('1acffc1d011000000000000700060a24181e40000000012c');
    expect(out.subarray(27).toString('hex')).to.equal('eeeeee');
  });

  it('refuses a body above MAX_SERVER_BODY with ERR_TOO_LARGE', () => {
    const big = new Uint8Array(MAX_SERVER_BODY + 1);
    expectCode(() => encodeMessage(MessageType.DATA, 0, 0, big), 'ERR_TOO_LARGE', 'TOO_LARGE');
    expectCode(() => prepareSharedBody(big), 'ERR_TOO_LARGE', 'TOO_LARGE');
    expect(encodeMessage(MessageType.DATA, 0, 0, big.subarray(1)).length).to.equal(MAX_SERVER_BODY + 28);
  });

  it('refuses a time that is negative, fractional or beyond 2^53', () => {
    expect(() => encodeMessage(MessageType.PING, 0, -1)).to.throw(RangeError);
    expect(() => encodeMessage(MessageType.PING, 0, 1.5)).to.throw(RangeError);
    expect(() => encodeMessage(MessageType.PING, 0, 2 ** 53)).to.throw(RangeError);
  });

  it('frames a shared body exactly as encodeMessage does, without copying it', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (bytes, seq, time) => {
          const shared = prepareSharedBody(bytes);
          const [header, body, trailer] = encodeSharedFrame(MessageType.DATA, seq, time, shared);
          expect(body).to.equal(bytes);
          expect(header.length).to.equal(24);
          expect(trailer.length).to.equal(4);
          const joined = Buffer.concat([header, body, trailer]);
          expect(joined.equals(encodeMessage(MessageType.DATA, seq, time, bytes))).to.equal(true);
        },
      ),
    );
  });

  it('gives a shared DATA frame that decodes to the same message as encodeMessage', () => {
    const data = {
      stream: 'frames',
      records: [{ seq: 1, ert: 1_700_000_000_000_000, data: Buffer.alloc(1115, 7) }],
    };
    const shared = prepareSharedBody(pack(data));
    const frames = decodeAll([
      ...encodeSharedFrame(MessageType.DATA, 5, 1_700_000_000_000_001, shared),
      ...encodeSharedFrame(MessageType.DATA, 6, 1_700_000_000_000_002, shared),
      encodeMessage(MessageType.DATA, 7, 1_700_000_000_000_003, data),
    ]);
    expect(frames.map((f) => [f.type, f.seq, f.time])).to.deep.equal([
      [0x10, 5, 1_700_000_000_000_001],
      [0x10, 6, 1_700_000_000_000_002],
      [0x10, 7, 1_700_000_000_000_003],
    ]);
    for (const f of frames) expect(decodeBody(f)).to.deep.equal(data);
  });
});

describe('protocol/frame decode', () => {
  it('decodes the vectors fed whole', () => {
    expect(decodeAll([STREAM]).map(view)).to.deep.equal(EXPECTED);
  });

  it('decodes the vectors fed byte by byte', () => {
    expect(decodeAll(byteByByte(STREAM)).map(view)).to.deep.equal(EXPECTED);
  });

  it('decodes the vectors cut at random points', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(decodeAll(split(STREAM, cuts)).map(view)).to.deep.equal(EXPECTED);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes random frames cut at random points', () => {
    const message = fc.record({
      type: fc.integer({ min: 0, max: 255 }),
      seq: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      body: fc.uint8Array({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (msgs, cuts) => {
          const bytes = Buffer.concat(msgs.map((m) => encodeMessage(m.type, m.seq, m.time, m.body)));
          const frames = decodeAll(split(bytes, cuts));
          expect(frames.map(view)).to.deep.equal(
            msgs.map((m) => ({ ...m, flags: 0, body: Buffer.from(m.body).toString('hex') })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns views into a chunk that holds whole frames, and copies a frame that spans chunks', () => {
    const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
    const whole = decoder.push(STREAM);
    expect(whole[1]!.body.buffer).to.equal(STREAM.buffer);
    const cut = VECTORS[2].bytes.length - 2;
    expect(decoder.push(VECTORS[2].bytes.subarray(0, cut))).to.deep.equal([]);
    expect(decoder.pending).to.equal(cut);
    const [spanned] = decoder.push(VECTORS[2].bytes.subarray(cut));
    expect(spanned!.body.buffer).to.not.equal(VECTORS[2].bytes.buffer);
    expect(decoder.pending).to.equal(0);
  });

  it('reports flags as sent (receivers ignore unknown bits)', () => {
    const bytes = Buffer.from(VECTORS[0].bytes);
    bytes.writeUInt16BE(0x8001, 6);
    bytes.writeUInt32BE(0x67f046d1, 24); // CRC of the altered header, from Python's zlib.crc32
    expect(decodeAll([bytes])[0]!.flags).to.equal(0x8001);
  });

  describe('errors', () => {
    const feeds = {
      whole: (b: Uint8Array) => [b],
      'byte by byte': byteByByte,
    };

    for (const [feedName, feed] of Object.entries(feeds)) {
      it(`bad sync → ERR_MALFORMED (${feedName})`, () => {
        const bytes = Buffer.from(VECTORS[1].bytes);
        bytes[2] = 0xfd;
        const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
        expectCode(() => pushAll(decoder, feed(bytes)), 'ERR_MALFORMED', 'MALFORMED');
      });

      it(`version 2 → ERR_UNSUPPORTED_VERSION (${feedName})`, () => {
        const bytes = Buffer.from(VECTORS[1].bytes);
        bytes[4] = 2;
        const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
        expectCode(() => pushAll(decoder, feed(bytes)), 'ERR_UNSUPPORTED_VERSION', 'UNSUPPORTED_VERSION');
      });

      it(`CRC mismatch → ERR_BAD_CRC, answered as MALFORMED (${feedName})`, () => {
        const bytes = Buffer.from(VECTORS[2].bytes);
        bytes[30] ^= 0x01; // one bit of the body
        const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
        expectCode(() => pushAll(decoder, feed(bytes)), 'ERR_BAD_CRC', 'MALFORMED');
      });
    }

    it('refuses garbage as soon as its first byte arrives', () => {
      const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
      expectCode(() => decoder.push(Buffer.from('G')), 'ERR_MALFORMED', 'MALFORMED');
    });

    it('refuses a bad version as soon as byte 4 arrives', () => {
      const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
      expect(decoder.push(hex('1acffc1d'))).to.deep.equal([]);
      expectCode(() => decoder.push(hex('02')), 'ERR_UNSUPPORTED_VERSION', 'UNSUPPORTED_VERSION');
    });

    it('refuses an over-long length once the header is complete, before any body byte', () => {
      const header = encodeHeader(MessageType.REQUEST, 0, 0, MAX_CLIENT_BODY + 1);
      const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
      expect(decoder.push(header.subarray(0, 23))).to.deep.equal([]);
      expectCode(() => decoder.push(header.subarray(23)), 'ERR_TOO_LARGE', 'TOO_LARGE');
      // Whole header in one chunk: the same, without waiting for the body either.
      const again = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
      expectCode(() => again.push(header), 'ERR_TOO_LARGE', 'TOO_LARGE');
    });

    it('accepts a body of exactly maxBody', () => {
      const frame = encodeMessage(MessageType.REQUEST, 0, 0, new Uint8Array(MAX_CLIENT_BODY));
      expect(decodeAll(split(frame, [100, 40_000]), MAX_CLIENT_BODY)[0]!.body.length).to.equal(
        MAX_CLIENT_BODY,
      );
    });

    it('stays dead after an error: every later push throws the same error', () => {
      const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
      const bytes = Buffer.from(VECTORS[0].bytes);
      bytes[27] ^= 0xff;
      const first = expectCode(() => decoder.push(bytes), 'ERR_BAD_CRC', 'MALFORMED');
      let again: unknown;
      try {
        decoder.push(VECTORS[0].bytes);
      } catch (err) {
        again = err;
      }
      expect(again).to.equal(first);
    });
  });
});

describe('protocol/decodeBody', () => {
  const frameOf = (body: Uint8Array): Frame => ({ type: 1, flags: 0, seq: 0, time: 0, body });

  it('gives undefined for an empty body and the map otherwise', () => {
    expect(decodeBody(frameOf(new Uint8Array(0)))).to.equal(undefined);
    expect(decodeBody(frameOf(hex('81a66167656e6379a3657361')))).to.deep.equal({ agency: 'esa' });
  });

  const garbage = {
    'a value that is not a map': '93010203',
    'a truncated map': '82a161',
    'trailing bytes after the map': '80c0',
    'the never-used byte 0xc1': '81a161c1',
    'an extension type (timestamp)': '81a161d6ff00000000',
    'a non-string map key': '8101c0',
  };
  for (const [what, bytes] of Object.entries(garbage)) {
    it(`refuses ${what} with ERR_MALFORMED`, () => {
      expectCode(() => decodeBody(frameOf(hex(bytes))), 'ERR_MALFORMED', 'MALFORMED');
    });
  }
});
