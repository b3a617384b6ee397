// The service series of /metrics (src/metrics/service-registry.ts) move when what they count
// happens: an actor thread killed is a restart; a recorder thread killed is a recorder restart and
// `scs_archive_recording` 0 meanwhile; records committed raise the archive's counters.
import { expect } from 'chai';
import { parsePrometheus } from '../../src/cli/prometheus.ts';
import { startConfiguredServer } from '../support/server.ts';

async function scrape(httpPort: number): Promise<(name: string, labels?: Record<string, string>) => number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const samples = parsePrometheus(text);
  return (name, labels = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
}

async function until(ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('service metrics: restarts and the archive', function () {
  this.timeout(30_000);

  it('counts an actor thread replaced after it died, and a recorder restart', async () => {
    const server = await startConfiguredServer({
      server: { actors: 2 },
      simulator: { enabled: true },
      archive: { enabled: true, commitMs: 20 },
    });
    try {
      let m = await scrape(server.httpPort);
      expect(m('scs_actor_restarts_total')).to.equal(0);
      expect(m('scs_archive_recording')).to.equal(1);
      await until(10_000, async () => (await scrape(server.httpPort))('scs_archive_records_total') > 0);
      m = await scrape(server.httpPort);
      expect(m('scs_archive_size_bytes')).to.be.greaterThan(0);
      expect(m('scs_archive_lost_records_total')).to.equal(0);

      await server.actorThreads()[0]!.terminate();
      await until(10_000, async () => (await scrape(server.httpPort))('scs_actor_restarts_total') === 1);

      await server.archiveRecorder()!.terminate();
      await until(
        10_000,
        async () => (await scrape(server.httpPort))('scs_archive_recorder_restarts_total') === 1,
      );
      await until(10_000, async () => (await scrape(server.httpPort))('scs_archive_recording') === 1);
    } finally {
      await server.close();
    }
  });
});
