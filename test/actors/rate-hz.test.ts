// ICD rev B §5: `rateHz` applies in every part of a session, live, the `since` catch-up and
// archive mode, by one rule (SPEC §6): per parameter, the first sample of each interval of
// 1/rateHz s (aligned to the epoch, on ERT; on SCET for an archive request by SCET).
import { expect } from 'chai';
import type { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import {
  collectRecords,
  connect,
  nextOfType,
  readWithin,
  request,
  sample,
  startTestServer,
} from '../support/server.ts';

const PARAM = 33; // OBC.CPU_LOAD in the simulator's dictionary
const NAME = 'OBC.CPU_LOAD';

/** 50 samples at 10 Hz over 5 s of ERT, the first 50 ms into a whole second; SCET 250 ms earlier. */
function burst(base: number) {
  return Array.from({ length: 50 }, (_, i) => {
    const s = sample(PARAM, i);
    s.rec.ert = base + 50_000 + i * 100_000;
    s.rec.scet = s.rec.ert - 250_000;
    return s;
  });
}

/** The rule, computed here: the first sample of each interval on `axis`. */
function firstPerSecond(samples: ReturnType<typeof burst>, axis: 'ert' | 'scet'): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const s of samples) {
    const k = Math.floor(s.rec[axis] / 1e6);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(s.rec.eng);
  }
  return out;
}

/** Every DATA record until END (archive) or until nothing comes for `quietMs`. */
async function drain(c: ScsClient, quietMs = 1500): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (;;) {
    const m = await readWithin(c, quietMs);
    if (m === 'timeout' || m === undefined || m.type === MessageType.END) return out;
    if (m.type === MessageType.DATA) out.push(...(m.body!.records as Record<string, unknown>[]));
  }
}

describe('rateHz in every part of a session (ICD rev B §5)', function () {
  this.timeout(120_000);
  let server: ScsServer;
  let samples: ReturnType<typeof burst>;
  let firstSeq: number;
  before(async () => {
    server = await startTestServer({
      archive: { enabled: true, commitMs: 20 },
      // A small ring: the catch-up below comes partly from the archive, partly from the ring.
      // slotBytes also sizes the value-table entry, and a parameter record larger than an entry is
      // dropped (counted, RECORD_DROPPED): 1024 bytes carries these samples, 32 slots keep it small.
      ring: { parameters: { slots: 32, slotBytes: 1024 } },
    });
    const feed = await connect(server);
    await feed.request(request({ stream: 'parameters', filter: { parameters: [NAME] } }));
    // Records injected at once after the ACK can precede the session's first read position on a
    // busy machine (seen only in the full suite): give the actor a moment to start reading.
    await new Promise((r) => setTimeout(r, 1000));
    samples = burst(Math.floor(Date.now() / 1000) * 1e6 - 60_000_000);
    // In steps the small ring holds, so the feed sees each one (and tells the seqs).
    const got: Record<string, unknown>[] = [];
    for (let i = 0; i < samples.length; i += 10) {
      await server.inject(samples.slice(i, i + 10));
      got.push(...(await collectRecords(feed, 10, 20_000)));
    }
    firstSeq = got[0]!.seq as number;
    expect(got.at(-1)!.seq).to.equal(firstSeq + 49);
    feed.destroy();
    await new Promise((r) => setTimeout(r, 500)); // archived
  });
  after(async () => {
    await server.close();
  });

  it('archive mode by ERT: the first sample of each second, 5 of 50', async () => {
    const base = samples[0]!.rec.ert - 50_000;
    const c = await connect(server);
    await c.request(
      request({
        stream: 'parameters',
        mode: 'archive',
        from: base,
        to: base + 5_000_000,
        filter: { parameters: [NAME] },
        rateHz: 1,
      }),
    );
    const recs = await drain(c);
    expect(recs.map((r) => r.eng)).to.deep.equal(firstPerSecond(samples, 'ert'));
    expect(recs.map((r) => r.eng)).to.deep.equal([0, 10, 20, 30, 40]);
    c.destroy();
  });

  it('archive mode by SCET: the first sample of each second of SCET', async () => {
    const c = await connect(server);
    await c.request(
      request({
        stream: 'parameters',
        mode: 'archive',
        timeBy: 'scet',
        from: samples[0]!.rec.scet,
        to: samples.at(-1)!.rec.scet + 1,
        filter: { parameters: [NAME] },
        rateHz: 1,
      }),
    );
    const recs = await drain(c);
    expect(recs.map((r) => r.eng)).to.deep.equal(firstPerSecond(samples, 'scet'));
    expect(recs.map((r) => r.eng)).to.deep.equal([0, 2, 12, 22, 32, 42]);
    c.destroy();
  });

  it('since catch-up (archive, then ring), then live: the same samples, and one per second live', async () => {
    const c = await connect(server);
    await c.request(
      request({ stream: 'parameters', filter: { parameters: [NAME] }, rateHz: 1, since: firstSeq - 1 }),
    );
    const recs = await collectRecords(c, 5, 20_000);
    expect(recs.map((r) => r.eng)).to.deep.equal([0, 10, 20, 30, 40]);
    // Live goes on from the catch-up's state: same second as sample 49 → left out; next second → sent.
    const same = sample(PARAM, 100);
    same.rec.ert = samples.at(-1)!.rec.ert + 10_000;
    const next = sample(PARAM, 101);
    next.rec.ert = samples.at(-1)!.rec.ert + 200_000;
    await server.inject([same, next]);
    const live = await nextOfType(c, MessageType.DATA, 20_000);
    expect((live.body!.records as { eng: number }[]).map((r) => r.eng)).to.deep.equal([101]);
    c.destroy();
  });
});
