import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Child } from '../../loadtest/children.ts';
import type { ReaderReport } from '../../loadtest/ipc.ts';
import type { NatsSubOptions } from '../../loadtest/nats-sub.ts';

/** Enough of a NATS server for one subscriber: INFO, PONG to its PING, and what it publishes. */
async function fakeNats(): Promise<{
  server: net.Server;
  port: number;
  clients: net.Socket[];
  received: string[];
}> {
  const clients: net.Socket[] = [];
  const received: string[] = [];
  const server = net.createServer((socket) => {
    socket.write('INFO {"server_id":"fake","max_payload":1048576}\r\n');
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      received.push(text);
      if (text.includes('PING\r\n')) {
        clients.push(socket);
        socket.write('PONG\r\n');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, clients, received };
}

function msg(seq: number, size = 1115): Buffer {
  const payload = Buffer.alloc(size, 1);
  payload.writeDoubleBE(seq, 0);
  payload.writeDoubleBE(Date.now() * 1000, 8);
  return Buffer.concat([Buffer.from(`MSG bench.frames 1 ${size}\r\n`), payload, Buffer.from('\r\n')]);
}

async function reportWhen(child: Child, done: (r: ReaderReport) => boolean): Promise<ReaderReport> {
  for (let i = 0; ; i++) {
    const pending = child.next('report', 5000);
    child.send({ kind: 'snapshot' });
    const { report } = await pending;
    if (done(report) || i === 100) return report;
    await sleep(20);
  }
}

describe('loadtest nats-sub process', () => {
  it('subscribes, counts messages and gaps, and acknowledges its progress', async () => {
    const { server, port, clients, received } = await fakeNats();
    const options: NatsSubOptions = {
      port,
      count: 1,
      firstId: 7,
      subject: 'bench.frames',
      ackSubject: 'bench.ack',
      ackEvery: 4,
      readyTimeoutMs: 5000,
      lifetimeMs: 20_000,
    };
    const child = new Child('nats-sub', new URL('../../loadtest/nats-sub.ts', import.meta.url), options);
    try {
      expect(await child.next('ready', 10_000)).to.deep.equal({ kind: 'ready', admitted: 1, refused: {} });
      expect(received.join('')).to.contain('SUB bench.frames 1\r\n');
      const started = child.next('started', 5000);
      child.send({ kind: 'start' });
      await started;
      clients[0]!.write(Buffer.concat([0, 1, 2, 3, 4, 8, 9].map((s) => msg(s))));
      const report = await reportWhen(child, (r) => r.records === 7);
      expect(report).to.include({ open: 1, records: 7, payloadBytes: 7 * 1115, lost: 3, disorder: 0 });
      expect(report.latency.pairs.length).to.be.greaterThan(0);
      // Acks after seq 3 (4 received) and seq 8 (9 ≥ 4 + 4); they travel apart from the report.
      const acks = 'PUB bench.ack 3\r\n7 4\r\nPUB bench.ack 3\r\n7 9\r\n';
      for (let i = 0; i < 100 && !received.join('').includes(acks); i++) await sleep(10);
      expect(received.join('')).to.contain(acks);
    } finally {
      await child.stop();
      server.close();
    }
  });
});
