// ICD-001 rev B §5 and §5.1 against the real server: fields that do not apply, `since` ahead
// of the stream, the `commands` stream this server does not serve, zoned ISO times, the
// half-open archive range and `*` across dots.
import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { MessageType, NakCode } from '../../protocol/constants.ts';
import { NakError } from '../../protocol/errors.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { collectRecords, connect, frame, nextOfType, request, startTestServer } from '../support/server.ts';

async function nak(server: ScsServer, body: Record<string, unknown>): Promise<NakError> {
  const c = await connect(server);
  try {
    await c.request({ ...request(), ...body } as never);
  } catch (err) {
    expect(err).to.be.instanceOf(NakError);
    expect(await c.read(), 'closed after the NAK').to.equal(undefined);
    return err as NakError;
  } finally {
    c.destroy();
  }
  throw new Error(`expected a NAK for ${JSON.stringify(body)}`);
}

async function invalid(server: ScsServer, body: Record<string, unknown>, field: string): Promise<void> {
  const e = await nak(server, body);
  expect(e.code, e.reason).to.equal(NakCode.INVALID_REQUEST);
  expect(e.reason, JSON.stringify(body)).to.match(new RegExp(`^${field.replaceAll('.', '\\.')}\\b`));
}

describe('ICD rev B §5.1: a field that does not apply is INVALID_REQUEST naming it', function () {
  this.timeout(90_000);
  let server: ScsServer;
  before(async () => {
    server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
  });
  after(async () => {
    await server.close();
  });

  it('archive-only fields in realtime: from, to, timeBy, speed', async () => {
    await invalid(server, { from: 0 }, 'from');
    await invalid(server, { to: 5 }, 'to');
    await invalid(server, { timeBy: 'ert' }, 'timeBy');
    await invalid(server, { speed: 0 }, 'speed');
  });

  it('realtime-only fields in archive: delivery, since', async () => {
    await invalid(server, { mode: 'archive', from: 0, delivery: 'complete' }, 'delivery');
    await invalid(server, { mode: 'archive', from: 0, since: 0 }, 'since');
  });

  it('filters and rateHz on streams they do not apply to, and empty filter lists', async () => {
    await invalid(server, { stream: 'frames', filter: { apids: [1] } }, 'filter.apids');
    await invalid(server, { stream: 'events', filter: { vcids: [1] } }, 'filter.vcids');
    await invalid(server, { stream: 'packets', filter: { names: ['X'] } }, 'filter.names');
    await invalid(server, { stream: 'parameters', filter: { severity: 'INFO' } }, 'filter.severity');
    await invalid(server, { stream: 'frames', rateHz: 1 }, 'rateHz');
    await invalid(server, { stream: 'packets', filter: { apids: [] } }, 'filter.apids');
    await invalid(server, { stream: 'parameters', filter: { parameters: [] } }, 'filter.parameters');
  });

  it('timeBy scet only for packets and parameters', async () => {
    await invalid(server, { stream: 'events', mode: 'archive', from: 0, timeBy: 'scet' }, 'timeBy');
    await invalid(server, { stream: 'frames', mode: 'archive', from: 0, timeBy: 'scet' }, 'timeBy');
    for (const stream of ['packets', 'parameters']) {
      const c = await connect(server);
      const ack = await c.request(
        request({ stream: stream as never, mode: 'archive', from: 0, timeBy: 'scet' }),
      );
      expect(ack.mode).to.equal('archive');
      c.destroy();
    }
  });

  it('an ISO-8601 time without a zone is refused, one with an offset is taken', async () => {
    await invalid(server, { mode: 'archive', from: '2026-01-01T00:00:00' }, 'from');
    const c = await connect(server);
    const ack = await c.request(request({ mode: 'archive', from: '2026-01-01T01:00:00+01:00' }));
    expect(ack.mode).to.equal('archive');
    c.destroy();
  });

  it('stream commands: a clean INVALID_REQUEST (not served by this server), its own fields checked first', async () => {
    const e = await nak(server, {
      stream: 'commands',
      filter: { names: ['*'], sources: ['ops'], apids: [5] },
    });
    expect(e.code).to.equal(NakCode.INVALID_REQUEST);
    expect(e.reason).to.contain('stream: commands is not served');
    await invalid(server, { stream: 'commands', filter: { vcids: [1] } }, 'filter.vcids');
    await invalid(server, { stream: 'commands', rateHz: 1 }, 'rateHz');
  });
});

describe('ICD rev B §5: since ahead of the stream', function () {
  this.timeout(90_000);

  it('is INVALID_REQUEST naming since; since equal to the newest seq is accepted and sends nothing at or below it', async () => {
    const server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
    try {
      const feed = await connect(server);
      await feed.request(request());
      await server.inject([frame(1), frame(2), frame(3)]);
      const seqs = (await collectRecords(feed, 3, 20_000)).map((r) => r.seq as number);
      const newest = seqs.at(-1)!;
      await invalid(server, { since: newest + 1 }, 'since');
      await invalid(server, { since: newest + 1000 }, 'since');
      const c: ScsClient = await connect(server);
      await c.request(request({ since: newest }));
      await server.inject([frame(4)]);
      const got = await collectRecords(c, 1, 20_000);
      expect(got.map((r) => r.seq)).to.deep.equal([newest + 1]);
      c.destroy();
      feed.destroy();
    } finally {
      await server.close();
    }
  });

  it('after a restart (ring empty), the archive gives the newest seq', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-since-'));
    const first = await startTestServer({ stateDir, archive: { enabled: true, commitMs: 20 } });
    const c = await connect(first);
    await c.request(request());
    await first.inject([frame(1), frame(2)]);
    const newest = (await collectRecords(c, 2, 20_000)).at(-1)!.seq as number;
    c.destroy();
    await first.close();
    const second = await startTestServer({ stateDir, archive: { enabled: true, commitMs: 20 } });
    try {
      await invalid(second, { since: newest + 1 }, 'since');
      const d = await connect(second);
      await d.request(request({ since: newest - 1 }));
      expect((await collectRecords(d, 1, 20_000)).map((r) => r.seq)).to.deep.equal([newest]);
      d.destroy();
    } finally {
      await second.close();
    }
  });
});

describe('ICD rev B §5.1: archive range and name patterns', function () {
  this.timeout(90_000);

  it('an archive range is half-open: from <= t < to', async () => {
    const server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
    try {
      const base = Date.now() * 1000 - 60_000_000;
      const frames = [0, 1, 2, 3].map((i) => {
        const f = frame(i);
        f.rec.ert = base + i * 1_000_000;
        return f;
      });
      await server.inject(frames);
      await new Promise((r) => setTimeout(r, 300));
      const c = await connect(server);
      await c.request(request({ mode: 'archive', from: base + 1_000_000, to: base + 3_000_000 }));
      const recs = await collectRecords(c, 2, 20_000);
      expect(recs.map((r) => r.ert)).to.deep.equal([base + 1_000_000, base + 2_000_000]);
      expect((await nextOfType(c, MessageType.END)).body).to.deep.include({ records: 2 });
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('* matches any run of characters, dots included', async () => {
    const server = await startTestServer();
    try {
      const c = await connect(server);
      const ack = await c.request(request({ stream: 'parameters', filter: { parameters: ['E*V'] } }));
      expect(ack.parameters).to.include('EPS.BUS_V').and.include('EPS.SA_V');
      expect(ack.parameters!.every((n) => n.startsWith('E') && n.endsWith('V'))).to.equal(true);
      c.destroy();
    } finally {
      await server.close();
    }
  });
});
