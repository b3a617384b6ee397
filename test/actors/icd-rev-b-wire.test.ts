// ICD rev B §2.1 against the real server: every MessagePack integer encoding is accepted in a
// REQUEST, an ext type is MALFORMED, and a PING body of any keys is echoed (the server does not
// read it). §4: PING before REQUEST is UNEXPECTED_MESSAGE, a client's BYE is not answered.
import { expect } from 'chai';
import { MessageType, NakCode } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import {
  collectRecords,
  connect,
  frame,
  nextOfType,
  readWithin,
  startTestServer,
} from '../support/server.ts';

const str = (s: string) => Buffer.concat([Buffer.from([0xa0 | s.length]), Buffer.from(s)]);
const map = (entries: [string, Buffer][]) =>
  Buffer.concat([Buffer.from([0x80 | entries.length]), ...entries.flatMap(([k, v]) => [str(k), v])]);
const hex = (h: string) => Buffer.from(h, 'hex');

/** A REQUEST for frames of VC 0 with its integers in the encodings given. */
function requestBytes(vcid: Buffer, since?: Buffer): Buffer {
  return map([
    ['agency', str('alpha')],
    ['token', str('alpha-secret')],
    ['client', str('wire')],
    ['stream', str('frames')],
    ['mode', str('realtime')],
    ['filter', map([['vcids', Buffer.concat([hex('91'), vcid])]])],
    ...(since === undefined ? [] : ([['since', since]] as [string, Buffer][])),
  ]);
}

describe('ICD rev B §2.1 MessagePack profile, against the server', function () {
  this.timeout(90_000);
  let server: ScsServer;
  before(async () => {
    server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
  });
  after(async () => {
    await server.close();
  });

  it('accepts every integer encoding in a REQUEST (fixint, int8…int64, uint8…uint64)', async () => {
    const feed = await connect(server);
    await feed.request({
      agency: 'alpha',
      token: 'alpha-secret',
      client: 'feed',
      stream: 'frames',
      mode: 'realtime',
    });
    await server.inject([frame(1)]);
    const [first] = await collectRecords(feed, 1, 20_000);
    expect(first!.seq).to.equal(1);
    const zeros = [
      '00',
      'cc00',
      'cd0000',
      'ce00000000',
      'cf0000000000000000',
      'd000',
      'd10000',
      'd200000000',
      'd30000000000000000',
    ];
    for (const z of zeros) {
      const c = await connect(server);
      // since 1 as uint64, the VC as the encoding under test.
      c.send(MessageType.REQUEST, requestBytes(hex(z), hex('cf0000000000000001')));
      const ack = await nextOfType(c, MessageType.ACK);
      expect(ack.body!.stream, z).to.equal('frames');
      c.destroy();
    }
    feed.destroy();
  });

  it('refuses an ext type in a REQUEST as MALFORMED', async () => {
    const c = await connect(server);
    // since as a timestamp extension (d6 ff …).
    c.send(MessageType.REQUEST, requestBytes(hex('00'), hex('d6ff00000001')));
    const nak = await nextOfType(c, MessageType.NAK);
    expect(nak.body!.code).to.equal(NakCode.MALFORMED);
    expect(await c.read()).to.equal(undefined);
  });

  it('echoes a PING body with keys it does not know, and does not answer a BYE', async () => {
    const c = await connect(server);
    await c.request({
      agency: 'alpha',
      token: 'alpha-secret',
      client: 'ping',
      stream: 'events',
      mode: 'realtime',
    });
    const body = { anything: 1, nested: { x: [1, 'two'] } };
    c.ping(body);
    expect((await nextOfType(c, MessageType.PONG)).body).to.deep.equal(body);
    c.send(MessageType.BYE, { reason: 'CLIENT', extra: true });
    // No answer: the server closes.
    for (;;) {
      const m = await readWithin(c, 10_000);
      if (m === 'timeout') throw new Error('the server did not close after the BYE');
      if (m === undefined) break;
      expect(m.type, 'only heartbeats may still come').to.equal(MessageType.HEARTBEAT);
    }
  });
});
