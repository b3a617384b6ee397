import net from 'node:net';
import { expect } from 'chai';
import { MessageType, NakCode } from '../../protocol/constants.ts';
import type { NakError } from '../../protocol/errors.ts';
import { assertSocketTransfer } from '../../src/server/node-check.ts';
import { collectRecords, connect, frame, nextOfType, request, startTestServer } from '../support/server.ts';

describe('the front door (main thread, before any client byte)', () => {
  it('refuses to start on a Node that cannot transfer sockets, saying why', () => {
    expect(() => assertSocketTransfer('24.20.3'))
      .to.throw(/Node 24\.21\.0 or newer/)
      .with.property('code', 'ERR_NODE_TOO_OLD');
    expect(() => assertSocketTransfer('20.20.2'))
      .to.throw()
      .with.property('code', 'ERR_NODE_TOO_OLD');
    expect(() => assertSocketTransfer('24.21.0')).to.not.throw();
    expect(() => assertSocketTransfer('26.1.0')).to.not.throw();
  });

  it('limits the connect rate per IP address: the excess gets NAK SERVER_FULL and is closed', async () => {
    const server = await startTestServer({ server: { connectRatePerIp: 5 } });
    try {
      const clients = await Promise.all(Array.from({ length: 12 }, () => connect(server)));
      const results = await Promise.all(
        clients.map((c) =>
          c.request(request({ agency: 'gamma', token: 'gamma-secret' })).then(
            () => 'ACK',
            (e: NakError) => `${e.code}:${e.reason}`,
          ),
        ),
      );
      const acks = results.filter((r) => r === 'ACK').length;
      // Burst = rate; a token or two may come back while the connects arrive.
      expect(acks).to.be.within(5, 7);
      expect(results.filter((r) => r.startsWith(`${NakCode.SERVER_FULL}:connect rate`)).length).to.equal(
        12 - acks,
      );
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await server.close();
    }
  });

  it('keeps a hard socket ceiling: sockets past it are refused before they reach an actor', async () => {
    const server = await startTestServer({ server: { maxSockets: 3, maxClients: 3 } });
    try {
      const idle = await Promise.all(
        Array.from(
          { length: 3 },
          () =>
            new Promise<net.Socket>((r) => {
              const s = net.connect(server.port, '127.0.0.1', () => r(s));
            }),
        ),
      );
      const over = await connect(server);
      const nak = await nextOfType(over, MessageType.NAK);
      expect(nak.body).to.deep.include({ code: NakCode.SERVER_FULL });
      expect(String(nak.body!.reason)).to.contain('ceiling');
      for (const s of idle) s.destroy();
      // A slot is free again once its actor has seen the socket close (an actor still
      // loading its modules on a busy machine sees it late): bounded by a deadline, not a count.
      let admitted = false;
      const deadline = Date.now() + 10_000;
      while (!admitted && Date.now() < deadline) {
        const c = await connect(server);
        admitted = await c.request(request()).then(
          () => true,
          () => false,
        );
        c.destroy();
        if (!admitted) await new Promise((r) => setTimeout(r, 25));
      }
      expect(admitted).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('caps the open sockets of one address', async () => {
    const server = await startTestServer({ server: { maxSocketsPerIp: 2 } });
    try {
      const held = await Promise.all([connect(server), connect(server)]);
      const third = await connect(server);
      const nak = await nextOfType(third, MessageType.NAK);
      expect(nak.body).to.deep.include({ code: NakCode.SERVER_FULL });
      expect(String(nak.body!.reason)).to.contain('this address');
      for (const c of held) c.destroy();
    } finally {
      await server.close();
    }
  });

  it('survives a burst of hostile connections while a good client keeps its data', async () => {
    const server = await startTestServer();
    try {
      const good = await connect(server);
      await good.request(request());
      const hostile = Array.from(
        { length: 120 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const s = net.connect(server.port, '127.0.0.1', () => {
              if (i % 3 === 0) s.resetAndDestroy();
              else if (i % 3 === 1)
                s.write(Buffer.from(Array.from({ length: 200 }, () => (Math.random() * 256) | 0)));
              else s.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
            });
            s.on('error', () => undefined);
            s.on('close', () => resolve());
            s.setTimeout(3000, () => s.destroy());
          }),
      );
      await server.inject([frame(1), frame(2), frame(3)]);
      expect((await collectRecords(good, 3)).length).to.equal(3);
      await Promise.all(hostile);
      const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
      const malformed = Number(/^scs_naks_total\{code="MALFORMED"\} (\d+)$/m.exec(metrics)?.[1]);
      expect(malformed).to.be.at.least(70);
      await server.inject([frame(4)]);
      expect((await collectRecords(good, 1))[0]!.vcfc).to.equal(4);
      await good.close();
    } finally {
      await server.close();
    }
  });

  it('never reuses a clientId across restarts on the same state dir', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-ids-'));
    const ids: string[] = [];
    for (let run = 0; run < 2; run++) {
      const server = await startTestServer({ server: { stateDir } });
      const c = await connect(server);
      ids.push((await c.request(request())).clientId);
      await c.close();
      await server.close();
    }
    expect(ids[0]).to.not.equal(ids[1]);
    expect(ids[0]!.split('-')[0]).to.not.equal(ids[1]!.split('-')[0]);
  });

  it('serves /metrics with the session counters, /healthz and /readyz', async () => {
    const server = await startTestServer();
    try {
      const c = await connect(server);
      await c.request(request());
      const bad = await connect(server);
      await bad.request(request({ token: 'wrong' })).catch(() => undefined);
      const base = `http://127.0.0.1:${server.httpPort}`;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).to.match(/^scs_connections\{agency="alpha"\} 1$/m);
      expect(metrics).to.match(/^scs_acks_total\{agency="alpha"\} 1$/m);
      expect(metrics).to.match(/^scs_naks_total\{code="AUTH_FAILED"\} 1$/m);
      expect(metrics).to.match(/^scs_accepted_connections_total 2$/m);
      expect(metrics).to.contain('scs_latency_seconds_bucket');
      expect((await fetch(`${base}/healthz`)).status).to.equal(200);
      expect((await fetch(`${base}/readyz`)).status).to.equal(200);
      await c.close();
    } finally {
      await server.close();
    }
  });
});
