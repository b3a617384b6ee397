import { once } from 'node:events';
import net from 'node:net';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MAX_CLIENT_BODY, MessageType } from '../../protocol/constants.ts';
import { decodeBody, FrameDecoder } from '../../protocol/decoder.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { ClientError, NakError, ProtocolError } from '../../protocol/errors.ts';
import type { RequestBody } from '../../protocol/types.ts';

const REQUEST: RequestBody = {
  agency: 'esa',
  token: 't',
  client: 'test',
  stream: 'events',
  mode: 'realtime',
};
const ACK = {
  clientId: 'c-1',
  agency: 'esa',
  stream: 'events',
  mode: 'realtime',
  heartbeatMs: 2000,
  serverTime: 1_700_000_000_000_000,
};

interface Received {
  type: number;
  seq: number;
  body: Record<string, unknown> | undefined;
}

/** A peer that speaks ICD-001 frames: `onMessage` sees each client message and the socket. */
class FakeServer {
  readonly server: net.Server;
  readonly received: Received[] = [];
  readonly sockets = new Set<net.Socket>();
  #seq = 0;

  constructor(onMessage: (m: Received, socket: net.Socket, server: FakeServer) => void) {
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
      socket.on('data', (chunk) => {
        try {
          for (const frame of decoder.push(chunk)) {
            const m = { type: frame.type, seq: frame.seq, body: decodeBody(frame) };
            this.received.push(m);
            onMessage(m, socket, this);
          }
        } catch (err) {
          const code = err instanceof ProtocolError ? err.nakCode : 'INTERNAL';
          socket.end(this.frame(MessageType.NAK, { code, reason: String(err) }));
        }
      });
      socket.on('error', () => {});
    });
  }

  frame(type: number, body?: unknown): Buffer {
    return encodeMessage(type, this.#seq++, Date.now() * 1000, body);
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}

describe('protocol/client', () => {
  const servers: FakeServer[] = [];
  const clients: ScsClient[] = [];

  async function start(onMessage: (m: Received, socket: net.Socket, server: FakeServer) => void) {
    const server = new FakeServer(onMessage);
    servers.push(server);
    const port = await server.listen();
    return { server, port };
  }

  async function connect(port: number, opts: { highWaterMark?: number; queue?: boolean } = {}) {
    const client = await ScsClient.connect({ port, ...opts });
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of servers.splice(0)) await s.close();
  });

  it('resolves request() with the ACK and numbers its own messages from 0', async () => {
    const { server, port } = await start((m, socket, srv) => {
      if (m.type === MessageType.REQUEST) socket.write(srv.frame(MessageType.ACK, ACK));
    });
    const client = await connect(port);
    expect(await client.request(REQUEST)).to.deep.equal(ACK);
    expect(client.ping({ n: 1 })).to.equal(1);
    await client.bye('CLIENT');
    expect(server.received).to.deep.equal([
      { type: MessageType.REQUEST, seq: 0, body: REQUEST },
      { type: MessageType.PING, seq: 1, body: { n: 1 } },
      { type: MessageType.BYE, seq: 2, body: { reason: 'CLIENT' } },
    ]);
  });

  it('rejects request() with a NakError carrying the NAK code, then ends the message stream', async () => {
    const { port } = await start((m, socket, srv) => {
      socket.end(srv.frame(MessageType.NAK, { code: 'AUTH_FAILED', reason: 'bad token', requestSeq: m.seq }));
    });
    const client = await connect(port);
    const err = await client.request(REQUEST).then(
      () => expect.fail('resolved'),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(NakError);
    expect(err).to.include({ code: 'AUTH_FAILED', reason: 'bad token', requestSeq: 0 });
    expect(await client.read()).to.equal(undefined);
  });

  it('yields every later message in order, including those in the ACK’s chunk', async () => {
    const { port } = await start((m, socket, srv) => {
      if (m.type === MessageType.REQUEST) {
        socket.write(
          Buffer.concat([
            srv.frame(MessageType.ACK, ACK),
            srv.frame(MessageType.DATA, { stream: 'events', records: [{ seq: 1 }] }),
            srv.frame(MessageType.HEARTBEAT, { state: 'BUFFER_WAIT', lastDataTime: 5, linkUp: true }),
          ]),
        );
      } else if (m.type === MessageType.PING) {
        socket.write(srv.frame(MessageType.PONG, m.body));
        socket.end(srv.frame(MessageType.BYE, { reason: 'SHUTDOWN' }));
      }
    });
    const client = await connect(port);
    const tapped: number[] = [];
    client.on('message', (m: { type: number }) => tapped.push(m.type));
    await client.request(REQUEST);
    client.ping({ t: 1 });
    const got: Array<[number, unknown]> = [];
    for await (const m of client.messages()) got.push([m.type, m.body]);
    expect(got).to.deep.equal([
      [MessageType.DATA, { stream: 'events', records: [{ seq: 1 }] }],
      [MessageType.HEARTBEAT, { state: 'BUFFER_WAIT', lastDataTime: 5, linkUp: true }],
      [MessageType.PONG, { t: 1 }],
      [MessageType.BYE, { reason: 'SHUTDOWN' }],
    ]);
    expect(tapped).to.deep.equal([0x02, 0x10, 0x11, 0x21, 0x30]);
  });

  it('lets a test send garbage and read the unsolicited NAK', async () => {
    const { port } = await start(() => {});
    const client = await connect(port);
    client.sendRaw(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    const nak = await client.read();
    expect(nak?.type).to.equal(MessageType.NAK);
    expect(nak?.body).to.include({ code: 'MALFORMED' });
  });

  it('stops reading while the consumer does not pull (a slow reader back-pressures the server)', async () => {
    const FRAMES = 200;
    const payload = Buffer.alloc(64 * 1024, 0xab);
    let written = 0;
    const { port } = await start(async (m, socket, srv) => {
      if (m.type !== MessageType.REQUEST) return;
      socket.write(srv.frame(MessageType.ACK, ACK));
      for (let i = 0; i < FRAMES && !socket.destroyed; i++) {
        written++;
        if (
          !socket.write(
            srv.frame(MessageType.DATA, { stream: 'frames', records: [{ seq: i, data: payload }] }),
          )
        ) {
          await once(socket, 'drain');
        }
      }
    });
    const highWaterMark = 4;
    const client = await connect(port, { highWaterMark });
    await client.request(REQUEST);
    // Give the event loop many turns in which an unpaused socket would read megabytes.
    for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
    const frameBytes = payload.length + 100;
    expect(client.bytesReceived).to.be.below((highWaterMark + 2) * frameBytes + 64 * 1024);
    expect(written).to.be.below(FRAMES);
    let next = 0;
    for await (const m of client.messages()) {
      const records = (m.body as { records: Array<{ seq: number; data: Uint8Array }> }).records;
      expect(records[0]!.seq).to.equal(next);
      expect(records[0]!.data.length).to.equal(payload.length);
      if (++next === FRAMES) break;
    }
    expect(written).to.equal(FRAMES);
  });

  it('with queue: false delivers through events only and never pauses', async () => {
    const COUNT = 600;
    const { port } = await start((m, socket, srv) => {
      if (m.type !== MessageType.REQUEST) return;
      socket.write(srv.frame(MessageType.ACK, ACK));
      for (let i = 0; i < COUNT; i++)
        socket.write(srv.frame(MessageType.DATA, { stream: 'events', records: [{ seq: i }] }));
    });
    const client = await connect(port, { queue: false, highWaterMark: 4 });
    let seen = 0;
    const all = new Promise<void>((resolve) => {
      client.on('message', (m: { type: number }) => {
        if (m.type === MessageType.DATA && ++seen === COUNT) resolve();
      });
    });
    await client.request(REQUEST);
    await all;
    expect(seen).to.equal(COUNT);
  });

  it('fails on a frame with a bad CRC: error event, rejected read, close with the error', async () => {
    const { port } = await start((m, socket, srv) => {
      if (m.type !== MessageType.REQUEST) return;
      const frame = srv.frame(MessageType.ACK, ACK);
      frame[frame.length - 1]! ^= 0xff;
      socket.write(frame);
    });
    const client = await connect(port);
    const errors: unknown[] = [];
    client.on('error', (err) => errors.push(err));
    const closed = new Promise((resolve) => client.once('close', resolve));
    const request = client.request(REQUEST).catch((e: unknown) => e);
    const read = client.read().catch((e: unknown) => e);
    const closeErr = await closed;
    for (const err of [closeErr, await request, await read, errors[0]]) {
      expect(err).to.be.instanceOf(ProtocolError);
      expect(err).to.have.property('code', 'ERR_BAD_CRC');
    }
  });

  it('rejects request() with ERR_BAD_MESSAGE when the ACK body is not an ACK', async () => {
    const { port } = await start((_m, socket, srv) => socket.write(srv.frame(MessageType.ACK, { ok: true })));
    const client = await connect(port);
    const err = await client.request(REQUEST).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ClientError);
    expect(err).to.have.property('code', 'ERR_BAD_MESSAGE');
  });

  it('rejects a pending request with ERR_CLOSED when the server closes first', async () => {
    const { port } = await start((_m, socket) => socket.end());
    const client = await connect(port);
    const err = await client.request(REQUEST).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ClientError);
    expect(err).to.have.property('code', 'ERR_CLOSED');
    expect(() => client.send(MessageType.PING)).to.throw(ClientError);
  });

  it('declares the server lost after 2 × heartbeatMs + 1 s of silence (ICD §7)', async () => {
    const { port } = await start((m, socket, srv) => {
      if (m.type === MessageType.REQUEST)
        socket.write(srv.frame(MessageType.ACK, { ...ACK, heartbeatMs: 1 }));
    });
    const client = await connect(port);
    const closed = new Promise((resolve) => client.once('close', resolve));
    const started = Date.now();
    await client.request(REQUEST);
    const err = await closed;
    expect(err).to.be.instanceOf(ClientError);
    expect(err).to.have.property('code', 'ERR_SERVER_LOST');
    expect(Date.now() - started).to.be.at.least(1000);
  });

  it('rejects connect() when nothing listens', async () => {
    const { server, port } = await start(() => {});
    await server.close();
    servers.length = 0;
    const err = await ScsClient.connect({ port }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'ECONNREFUSED');
  });
});
