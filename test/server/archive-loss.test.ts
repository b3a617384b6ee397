// Issue 11 item 3, the live case: a link that outruns the archive recorder (records injected
// faster than a ring holds, committed at once) loses records from the archive. Never silently:
// scs_archive_records_lost_total counts them, an ALARM event says so, /healthz is degraded, and
// the archive's `holes` note how many are missing where.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { STREAMS } from '../../protocol/constants.ts';
import { run as status } from '../../src/cli/status.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { metric, scrape } from '../acquisition/support-server.ts';
import { capture, lines } from '../cli-tail/capture.ts';
import { collectRecords, connect, frame, request, startTestServer } from '../support/server.ts';

describe('archive recorder outrun by a live link (issue 11 item 3)', function () {
  this.timeout(180_000);
  let server: ScsServer | undefined;
  after(async () => server?.close());

  it('counts the lost records, raises an ALARM, degrades /healthz and notes the hole', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-loss-'));
    server = await startTestServer({
      stateDir,
      archive: { enabled: true, file: 'archive.sqlite' },
      ring: { frames: { slots: 64, slotBytes: 256 } },
    });
    const events = await connect(server);
    await events.request(request({ stream: 'events', filter: { severity: 'ALARM' } }));
    // 1000 frames in one commit: the ring keeps the last 64 by the time the recorder can read.
    await server.inject(Array.from({ length: 1000 }, (_, i) => frame(i)));
    const [alarm] = await collectRecords(events, 1);
    expect(alarm).to.include({ severity: 'ALARM', source: 'archive', type: 'ARCHIVE_RECORDS_LOST' });
    expect(String(alarm!.message)).to.match(/^Archive recorder overrun on frames: 936 records/);
    events.destroy();

    const text = await scrape(server);
    expect(metric(text, 'scs_archive_records_lost_total', 'stream="frames"')).to.equal(936);
    const health = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
    expect(health.status).to.equal(503);
    expect(await health.json()).to.deep.include({ ok: false });
    // `scs status` shows it (and exits 1: unhealthy).
    const c = capture();
    expect(await status(['--port', String(server.httpPort)], c.io)).to.equal(1);
    expect(lines(c.out)).to.include.members([
      'losses:',
      '  records never archived (recorder overrun) (stream=frames): 936  [scs_archive_records_lost_total]',
    ]);

    await server.close();
    server = undefined;
    const db = new DatabaseSync(join(stateDir, 'archive.sqlite'), { readOnly: true });
    try {
      const holes = db.prepare('SELECT seq, lost FROM holes WHERE stream = ?').all(STREAMS.indexOf('frames'));
      expect(holes.map((h) => ({ ...h }))).to.deep.equal([{ seq: 937, lost: 936 }]);
      const n = db.prepare('SELECT count(*) AS n FROM frames').get() as { n: number };
      expect(n.n).to.equal(64);
    } finally {
      db.close();
    }
  });
});
