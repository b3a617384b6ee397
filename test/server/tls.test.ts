import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { collectRecords, frame, request, startTestServer } from '../support/server.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

describe('TLS on the client port (ICD §1)', () => {
  it('speaks ICD-001 inside TLS, and a plain TCP client gets nothing but a close', async () => {
    const server = await startTestServer({
      server: { tls: { certFile: fixture('server.crt'), keyFile: fixture('server.key') } },
    });
    try {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: server.port,
        ca: readFileSync(fixture('server.crt')),
        servername: 'localhost',
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', () => resolve());
        socket.once('error', reject);
      });
      const client = new ScsClient(socket);
      const ack = await client.request(request());
      expect(ack.agency).to.equal('alpha');
      await server.inject([frame(1), frame(2)]);
      expect((await collectRecords(client, 2)).map((r) => r.vcfc)).to.deep.equal([1, 2]);
      await client.close();

      const plain = net.connect(server.port, '127.0.0.1');
      plain.on('error', () => undefined);
      plain.write(Buffer.from('1acffc1d01010000', 'hex'));
      const received: Buffer[] = [];
      plain.on('data', (d: Buffer) => received.push(d));
      await new Promise((r) => plain.once('close', r));
      // Whatever came back is a TLS alert, never an ICD frame.
      expect(Buffer.concat(received).subarray(0, 4).toString('hex')).to.not.equal('1acffc1d');
    } finally {
      await server.close();
    }
  });

  it('refuses to start with a key file that cannot be read, naming the field', async () => {
    const err = await startTestServer({
      server: { tls: { certFile: fixture('server.crt'), keyFile: fixture('missing.key') } },
    }).catch((e: Error & { code?: string }) => e);
    expect(err).to.have.property('code', 'ERR_CONFIG_NOT_FOUND');
    expect((err as Error).message)
      .to.contain('/server/tls/keyFile')
      .and.contain('missing.key');
  });
});
