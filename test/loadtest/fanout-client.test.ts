import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Child } from '../../loadtest/children.ts';
import type { FanoutClientOptions } from '../../loadtest/fanout-client.ts';
import type { ReaderReport } from '../../loadtest/ipc.ts';
import { HEADER_BYTES, MessageType, TRAILER_BYTES } from '../../protocol/constants.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { pack, unpack } from '../../protocol/msgpack.ts';

const ERT0 = 1_750_000_000_000_000;

/** A minimal ICD server: ACKs a REQUEST whose token is 'good' (else NAK AUTH_FAILED), then waits. */
async function fakeServer(): Promise<{ server: net.Server; port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < HEADER_BYTES) return;
      const length = buf.readUInt32BE(20);
      if (buf.length < HEADER_BYTES + length + TRAILER_BYTES) return;
      const req = unpack(buf.subarray(HEADER_BYTES, HEADER_BYTES + length)) as {
        token: string;
        delivery: string;
      };
      if (req.token !== 'good' || req.delivery !== 'latest') {
        socket.end(encodeMessage(MessageType.NAK, 0, ERT0, { code: 'AUTH_FAILED', reason: 'bad token' }));
        return;
      }
      socket.write(encodeMessage(MessageType.ACK, 0, ERT0, { clientId: `c-${sockets.length}` }));
      sockets.push(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}

function options(port: number, token: string, count: number): FanoutClientOptions {
  return {
    host: '127.0.0.1',
    port,
    count,
    name: 'test',
    firstIndex: 0,
    agency: 'bench',
    token,
    delivery: 'latest',
    crcEvery: 1,
    connectConcurrency: 2,
    admitTimeoutMs: 5000,
    lifetimeMs: 20_000,
  };
}

function data(msgSeq: number, seqs: number[], skipped?: number): Buffer {
  const records = seqs.map((seq) => ({
    seq,
    ert: ERT0 + seq,
    station: 'TEST',
    scid: 1,
    vcid: 0,
    vcfc: seq,
    quality: 0,
    data: Buffer.alloc(1115, 7),
  }));
  return encodeMessage(
    MessageType.DATA,
    msgSeq,
    ERT0,
    pack({ stream: 'frames', records, ...(skipped ? { skipped } : {}) }),
  );
}

/** Asks for reports until `done` holds (the child reads asynchronously); bounded. */
async function reportWhen(child: Child, done: (r: ReaderReport) => boolean): Promise<ReaderReport> {
  for (let i = 0; ; i++) {
    const pending = child.next('report', 5000);
    child.send({ kind: 'snapshot' });
    const { report } = await pending;
    if (done(report) || i === 100) return report;
    await sleep(20);
  }
}

describe('loadtest fanout-client process', () => {
  it('admits its sessions, counts records, payload, gaps and skipped per session', async () => {
    const { server, port, sockets } = await fakeServer();
    const child = new Child(
      'fanout-client',
      new URL('../../loadtest/fanout-client.ts', import.meta.url),
      options(port, 'good', 3),
    );
    try {
      const ready = await child.next('ready', 10_000);
      expect(ready).to.deep.equal({ kind: 'ready', admitted: 3, refused: {} });
      const started = child.next('started', 5000);
      child.send({ kind: 'start' });
      await started;
      for (const s of sockets) {
        s.write(Buffer.concat([data(1, [0, 1, 2, 3]), data(2, [4, 5]), data(3, [9, 10], 3)]));
      }
      const report = await reportWhen(child, (r) => r.records === 24);
      expect(report).to.include({
        open: 3,
        records: 24,
        payloadBytes: 24 * 1115,
        lost: 9,
        skipped: 9,
        disorder: 0,
        crcChecked: 12,
        crcErrors: 0,
        malformed: 0,
        messageGaps: 0,
      });
      expect(report.ended).to.deep.equal({});
    } finally {
      await child.stop();
      server.close();
    }
  });

  it('reports refused sessions by NAK code', async () => {
    const { server, port } = await fakeServer();
    const child = new Child(
      'fanout-client',
      new URL('../../loadtest/fanout-client.ts', import.meta.url),
      options(port, 'bad', 2),
    );
    try {
      const ready = await child.next('ready', 10_000);
      expect(ready).to.deep.equal({ kind: 'ready', admitted: 0, refused: { 'NAK AUTH_FAILED': 2 } });
    } finally {
      await child.stop();
      server.close();
    }
  });
});
