import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { MessageType, NakCode } from '../../protocol/constants.ts';
import { NakError } from '../../protocol/errors.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { connect, nextOfType, request, startTestServer } from '../support/server.ts';

/** A frame built by hand (ICD §2), so each field can be broken on purpose. */
function rawFrame(opts: {
  sync?: number;
  version?: number;
  type?: number;
  length?: number;
  body?: Uint8Array;
  crc?: number;
}) {
  const body = opts.body ?? new Uint8Array(0);
  const b = Buffer.alloc(24 + body.length + 4);
  b.writeUInt32BE(opts.sync ?? 0x1acffc1d, 0);
  b[4] = opts.version ?? 1;
  b[5] = opts.type ?? MessageType.REQUEST;
  b.writeUInt32BE(0, 8);
  b.writeBigUInt64BE(BigInt(Date.now() * 1000), 12);
  b.writeUInt32BE(opts.length ?? body.length, 20);
  b.set(body, 24);
  b.writeUInt32BE(opts.crc ?? crc32(b.subarray(0, 24 + body.length)), 24 + body.length);
  return b;
}

async function expectNak(c: ScsClient, code: string): Promise<Record<string, unknown>> {
  const m = await nextOfType(c, MessageType.NAK);
  expect(m.body!.code, String(m.body!.reason)).to.equal(code);
  expect(m.body!.reason).to.be.a('string').and.not.empty;
  // ICD §4: after NAK the server closes the connection.
  expect(await c.read()).to.equal(undefined);
  return m.body!;
}

async function requestNak(
  server: ScsServer,
  body: Parameters<ScsClient['request']>[0],
  code: string,
): Promise<NakError> {
  const c = await connect(server);
  try {
    await c.request(body);
    expect.fail(`expected NAK ${code}`);
  } catch (err) {
    expect(err).to.be.instanceOf(NakError);
    expect((err as NakError).code, (err as NakError).reason).to.equal(code);
    expect(await c.read()).to.equal(undefined);
    return err as NakError;
  } finally {
    c.destroy();
  }
  throw new Error('unreachable');
}

describe('NAK codes (ICD-001 §4, every code reachable)', () => {
  let server: ScsServer;
  before(async () => {
    server = await startTestServer({ server: { requestTimeoutMs: 300 } });
  });
  after(async () => {
    await server.close();
  });

  it('MALFORMED: a bad sync marker', async () => {
    const c = await connect(server);
    c.sendRaw(rawFrame({ sync: 0xdeadbeef }));
    await expectNak(c, NakCode.MALFORMED);
  });

  it('MALFORMED: a CRC that does not match', async () => {
    const c = await connect(server);
    c.sendRaw(rawFrame({ body: Buffer.from([0x80]), crc: 1 }));
    await expectNak(c, NakCode.MALFORMED);
  });

  it('MALFORMED: a REQUEST body that is not msgpack, with requestSeq', async () => {
    const c = await connect(server);
    c.sendRaw(rawFrame({ body: Buffer.from([0xc1]) }));
    const body = await expectNak(c, NakCode.MALFORMED);
    expect(body.requestSeq).to.equal(0);
  });

  it('UNSUPPORTED_VERSION: version 2', async () => {
    const c = await connect(server);
    c.sendRaw(rawFrame({ version: 2 }));
    await expectNak(c, NakCode.UNSUPPORTED_VERSION);
  });

  it('TOO_LARGE: a body length over 65,536, refused from the header alone', async () => {
    const c = await connect(server);
    c.sendRaw(rawFrame({ length: 65_537 }).subarray(0, 24));
    await expectNak(c, NakCode.TOO_LARGE);
  });

  it('UNEXPECTED_MESSAGE: PING before REQUEST, and an unknown type before REQUEST', async () => {
    const c = await connect(server);
    c.ping({});
    await expectNak(c, NakCode.UNEXPECTED_MESSAGE);
    const d = await connect(server);
    d.sendRaw(rawFrame({ type: 0x7f }));
    await expectNak(d, NakCode.UNEXPECTED_MESSAGE);
  });

  it('TIMEOUT: no complete REQUEST within the request timeout', async () => {
    const c = await connect(server);
    c.sendRaw(rawFrame({}).subarray(0, 10));
    await expectNak(c, NakCode.TIMEOUT);
  });

  it('INVALID_REQUEST: names the offending field', async () => {
    const unknown = await requestNak(
      server,
      { ...request(), colour: 'red' } as never,
      NakCode.INVALID_REQUEST,
    );
    expect(unknown.reason).to.contain('colour');
    const missing = await requestNak(
      server,
      { ...request(), client: undefined } as never,
      NakCode.INVALID_REQUEST,
    );
    expect(missing.reason).to.contain('client');
    const wrong = await requestNak(
      server,
      request({ filter: { parameters: ['X'] } }),
      NakCode.INVALID_REQUEST,
    );
    expect(wrong.reason).to.contain('filter.parameters');
    const long = await requestNak(server, request({ client: 'x'.repeat(65) }), NakCode.INVALID_REQUEST);
    expect(long.reason).to.contain('client');
    await requestNak(server, request({ mode: 'archive' }), NakCode.INVALID_REQUEST);
  });

  it('AUTH_FAILED: wrong token, unknown agency, missing token, address not allowed', async () => {
    await requestNak(server, request({ token: 'nope' }), NakCode.AUTH_FAILED);
    await requestNak(server, request({ agency: 'nobody' }), NakCode.AUTH_FAILED);
    await requestNak(server, request({ token: undefined }), NakCode.AUTH_FAILED);
    const ip = await requestNak(
      server,
      request({ agency: 'remote', token: 'remote-secret' }),
      NakCode.AUTH_FAILED,
    );
    expect(ip.reason).to.contain('not allowed');
  });

  it('checks credentials before permissions', async () => {
    await requestNak(
      server,
      request({ agency: 'beta', token: 'wrong', stream: 'frames' }),
      NakCode.AUTH_FAILED,
    );
  });

  it('FORBIDDEN: a stream or a parameter the agency may not see', async () => {
    await requestNak(
      server,
      request({ agency: 'beta', token: 'beta-secret', stream: 'frames' }),
      NakCode.FORBIDDEN,
    );
    const p = await requestNak(
      server,
      request({
        agency: 'beta',
        token: 'beta-secret',
        stream: 'parameters',
        filter: { parameters: ['THERM.BATT_T'] },
      }),
      NakCode.FORBIDDEN,
    );
    expect(p.reason).to.contain('THERM.BATT_T');
  });

  it('checks permissions before names: an unknown name the agency may not see is FORBIDDEN', async () => {
    await requestNak(
      server,
      request({
        agency: 'beta',
        token: 'beta-secret',
        stream: 'parameters',
        filter: { parameters: ['NOPE.X'] },
      }),
      NakCode.FORBIDDEN,
    );
  });

  it('a glob over hidden names answers as one over no names (issue 12: no enumeration outside the ACL)', async () => {
    const answer = async (glob: string) => {
      const e = await requestNak(
        server,
        request({
          agency: 'beta',
          token: 'beta-secret',
          stream: 'parameters',
          filter: { parameters: [glob] },
        }),
        NakCode.UNKNOWN_PARAMETER,
      );
      return e.reason.replace(glob, 'GLOB');
    };
    expect(await answer('THERM.*')).to.equal(await answer('NOPE.*'));
    expect(await answer('*BATT_T')).to.equal(await answer('EPS.NOPE*'));
  });

  it('UNKNOWN_PARAMETER: lists the unknown names and globs', async () => {
    const e = await requestNak(
      server,
      request({ stream: 'parameters', filter: { parameters: ['EPS.BUS_V', 'NOPE.X', 'ZZZ.*'] } }),
      NakCode.UNKNOWN_PARAMETER,
    );
    expect(e.reason).to.contain('NOPE.X').and.contain('ZZZ.*').and.not.contain('EPS.BUS_V');
  });

  it('ARCHIVE_UNAVAILABLE: archive mode and since on a server without an archive', async () => {
    await requestNak(server, request({ mode: 'archive', from: 0 }), NakCode.ARCHIVE_UNAVAILABLE);
    await requestNak(server, request({ since: 0 }), NakCode.ARCHIVE_UNAVAILABLE);
  });

  it('a NAKed switch closes an admitted session', async () => {
    const c = await connect(server);
    await c.request(request());
    const err = await c.request(request({ stream: 'nope' as never })).catch((e: NakError) => e);
    expect((err as NakError).code).to.equal(NakCode.INVALID_REQUEST);
    expect(await c.read()).to.equal(undefined);
  });

  it('TIMEOUT is for a REQUEST that never arrives, not for one that is slow to check', async () => {
    const slow = await startTestServer({ server: { requestTimeoutMs: 150, actors: 1 } });
    try {
      // Wrong tokens from other connections keep scrypt busy while the good REQUEST waits.
      const noise = await Promise.all(Array.from({ length: 8 }, () => connect(slow)));
      const noisy = noise.map((c) =>
        c.request(request({ token: `wrong-${Math.random()}` })).catch(() => undefined),
      );
      const good = await connect(slow);
      const ack = await good.request(request({ agency: 'gamma', token: 'gamma-secret' }));
      expect(ack.agency).to.equal('gamma');
      await Promise.all(noisy);
      await good.close();
    } finally {
      await slow.close();
    }
  });

  it('after repeated failed logins, an address is refused without checking for a while', async () => {
    const guarded = await startTestServer({ server: { actors: 1 } });
    try {
      for (let i = 0; i < 10; i++)
        await requestNak(guarded, request({ token: `guess-${i}` }), NakCode.AUTH_FAILED);
      const e = await requestNak(guarded, request(), NakCode.AUTH_FAILED);
      expect(e.reason).to.contain('too many failed attempts');
    } finally {
      await guarded.close();
    }
  });
});
