// The display's WebSocket (/realtime) on a real server with real sockets: the tutorial
// protocol, ACLs, admission under the same agency caps as TCP sessions, and the counted
// drop policy for a browser that does not read.
import { connect as netConnect, type Socket } from 'node:net';
import { expect } from 'chai';
import { WebSocket } from 'ws';
import { ScsClient } from '../../protocol/client.ts';
import type { NakError } from '../../protocol/errors.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { CLOSE_FULL } from '../../src/web/realtime.ts';
import { request, testAgencies, testHash } from '../support/server.ts';
import { bearer, http, sampleAt, startDisplayServer, until, useDictionaryOf } from './support.ts';

type Json = Record<string, unknown>;

/** A WebSocket client that queues every message it gets (points arrive as objects or arrays). */
class Client {
  readonly ws: WebSocket;
  readonly messages: Json[] = [];
  readonly #waiters: (() => void)[] = [];

  /** Every WebSocket message, as received. */
  readonly raw: string[] = [];

  constructor(port: number, headers: Record<string, string>, path = '/realtime?batch=1') {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    this.ws.on('message', (data) => {
      this.raw.push(data.toString());
      const m = JSON.parse(data.toString()) as Json | Json[];
      this.messages.push(...(Array.isArray(m) ? m : [m]));
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  closed(): Promise<{ code: number; reason: string }> {
    return new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Resolves with the first `n` messages once they arrived (within 3 s). */
  async take(n: number): Promise<Json[]> {
    const deadline = Date.now() + 3000;
    while (this.messages.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.messages.length} of ${n} messages`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages.splice(0, n);
  }
}

async function opened(port: number, agency = 'alpha', path?: string): Promise<Client> {
  const c = new Client(port, bearer(agency), path);
  await c.open();
  return c;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

describe('Open MCT display: realtime WebSocket (issue 6)', function () {
  this.timeout(20_000);
  let server: ScsServer;
  let port: number;
  const clients: Client[] = [];
  const track = (c: Client) => {
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startDisplayServer({
      agencies: {
        ...testAgencies(),
        solo: { tokenHash: testHash('solo-secret'), maxConnections: 1 },
      },
      display: { batchMs: 20, maxBufferedBytes: 16_384 },
    });
    port = server.httpPort;
    await useDictionaryOf(port);
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });

  after(() => server?.close());

  it('pushes subscribed points with the seed fields and the engineering value, and stops on unsubscribe', async () => {
    const c = track(await opened(port));
    c.ws.send('subscribe EPS.BUS_V');
    c.ws.send('subscribe EPS.BUS_I');
    // Commands are handled in order: a ping after them answers once they took effect.
    await new Promise<void>((resolve) => c.ws.once('pong', () => resolve()).ping());
    const ert = Date.now() * 1000;
    await server.inject([sampleAt('EPS.BUS_V', 28.5, ert), sampleAt('EPS.BUS_I', 1.25, ert + 1)]);
    const [v, i] = await c.take(2);
    expect(v).to.deep.include({
      id: 'EPS.BUS_V',
      name: 'EPS.BUS_V',
      timestamp: ert / 1000,
      value: 28.5,
      eng: 28.5,
      raw_value: 28500,
      raw_type: 'int',
      flags: 0,
      limit: 'OK',
      unit: 'V',
    });
    expect(i).to.include({ id: 'EPS.BUS_I', value: 1.25 });
    c.ws.send('unsubscribe EPS.BUS_V');
    await new Promise<void>((resolve) => c.ws.once('pong', () => resolve()).ping());
    await server.inject([sampleAt('EPS.BUS_V', 29, ert + 2), sampleAt('EPS.BUS_I', 1.5, ert + 3)]);
    const [next] = await c.take(1);
    expect(next).to.include({ id: 'EPS.BUS_I', value: 1.5 });
    expect(c.messages).to.deep.equal([]);
  });

  it('batches points that arrive together into one JSON array message for ?batch=1', async () => {
    const c = track(await opened(port));
    c.ws.send('subscribe EPS.BUS_V');
    await new Promise<void>((resolve) => c.ws.once('pong', () => resolve()).ping());
    const ert = Date.now() * 1000;
    await server.inject([0, 1, 2, 3, 4].map((k) => sampleAt('EPS.BUS_V', 28 + k, ert + k)));
    const points = await c.take(5);
    expect(points.map((p) => p.value)).to.deep.equal([28, 29, 30, 31, 32]);
    expect(c.raw).to.have.length(1);
  });

  it('serves the openmct-tutorial client as it is: /realtime/, one point object per message', async () => {
    const c = track(await opened(port, 'alpha', '/realtime/'));
    // The tutorial's realtime plugin: JSON.parse(event.data), then listener[point.id](point).
    const got: number[] = [];
    const listener: Record<string, (p: Json) => void> = { 'EPS.BUS_V': (p) => got.push(p.value as number) };
    c.ws.on('message', (data) => {
      const point = JSON.parse(data.toString()) as Json;
      listener[point.id as string]?.(point);
    });
    c.ws.send('subscribe EPS.BUS_V');
    await new Promise<void>((resolve) => c.ws.once('pong', () => resolve()).ping());
    const ert = Date.now() * 1000;
    await server.inject([0, 1, 2, 3, 4].map((k) => sampleAt('EPS.BUS_V', 28 + k, ert + k)));
    await c.take(5);
    expect(got).to.deep.equal([28, 29, 30, 31, 32]);
    expect(c.raw).to.have.length(5);
  });

  it('answers unknown, hidden (as unknown, issue 12) and malformed commands with an error object and keeps the session', async () => {
    const beta = track(await opened(port, 'beta'));
    beta.ws.send('subscribe NO.SUCH');
    beta.ws.send('subscribe AOCS.MODE');
    beta.ws.send('hello');
    const errors = await beta.take(3);
    expect(errors.map((e) => e.error)).to.deep.equal([
      'UNKNOWN_PARAMETER',
      'UNKNOWN_PARAMETER',
      'INVALID_REQUEST',
    ]);
    expect(beta.ws.readyState).to.equal(WebSocket.OPEN);
  });

  it('refuses an upgrade without credentials (401) or from another origin (403)', async () => {
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/realtime`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    expect(await status({})).to.equal(401);
    expect(await status({ ...bearer('alpha'), origin: 'http://evil.example' })).to.equal(403);
    expect(await status({ ...bearer('remote') })).to.equal(401);
  });

  it('admits display sessions under the same agency cap as TCP sessions, in both directions', async () => {
    const tcp = await ScsClient.connect({ port: server.port });
    await tcp.request(request({ agency: 'solo', token: 'solo-secret', stream: 'parameters' }));
    const refused = track(new Client(port, bearer('solo')));
    expect(await refused.closed()).to.deep.equal({ code: CLOSE_FULL, reason: 'AGENCY_FULL' });
    await tcp.close();
    await until(
      async () => (await http(port, '/metrics')).body.includes('scs_connections{agency="solo"} 0'),
      3000,
      'TCP session released',
    );

    const web = track(await opened(port, 'solo'));
    await until(
      async () => {
        const m = (await http(port, '/metrics')).body;
        return metric(m, 'scs_connections{agency="solo"}') === 1 && metric(m, 'scs_web_sessions') === 1;
      },
      3000,
      'display session counted',
    );
    const second = await ScsClient.connect({ port: server.port });
    const err = await second
      .request(request({ agency: 'solo', token: 'solo-secret', stream: 'parameters' }))
      .catch((e: NakError) => e);
    expect((err as NakError).code).to.equal('AGENCY_FULL');
    second.destroy();
    web.ws.close();
    await until(
      async () => (await http(port, '/metrics')).body.includes('scs_connections{agency="solo"} 0'),
      3000,
      'display session released',
    );
  });

  it('drops and counts points for a browser that does not read, without slowing acquisition', async () => {
    const socket = await rawSubscriber(port, 'EPS.BUS_V');
    try {
      const ert = Date.now() * 1000;
      const started = Date.now();
      for (let batch = 0; batch < 10; batch++) {
        await server.inject(
          Array.from({ length: 5000 }, (_, k) => sampleAt('EPS.BUS_V', k, ert + batch * 5000 + k)),
        );
      }
      expect(Date.now() - started).to.be.below(5000);
      await until(
        async () =>
          metric((await http(port, '/metrics')).body, 'scs_web_points_dropped_total{reason="slow_client"}') >
          0,
        5000,
        'slow-client drops counted',
      );
      const m = (await http(port, '/metrics')).body;
      expect(metric(m, 'scs_skipped_records_total{agency="alpha"}')).to.be.above(0);
    } finally {
      socket.destroy();
    }
  });
});

/** A WebSocket client that subscribes and then never reads: its socket is paused. */
async function rawSubscriber(port: number, id: string): Promise<Socket> {
  const socket = netConnect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    'GET /realtime HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
      `Authorization: Bearer alpha:alpha-secret\r\n\r\n`,
  );
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  // One masked text frame (RFC 6455 §5.2): client frames must be masked; a zero mask keeps the bytes.
  const payload = Buffer.from(`subscribe ${id}`);
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
  socket.pause();
  return socket;
}
