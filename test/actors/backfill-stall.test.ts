// A `since` backfill whose step does not advance ends with a coded error (the session's NAK
// INTERNAL and log line), never a loop (issue 12: `since` ≥ 2^53 kept one core busy forever,
// because there `next + 1 === next`).
import { expect } from 'chai';
import { backfill } from '../../src/actors/backfill.ts';
import { checkRequest } from '../../src/actors/request.ts';
import { Selection } from '../../src/actors/selection.ts';
import type { ArchiveQueryChannel } from '../../src/archive/query-client.ts';
import { actorContext } from '../support/actor.ts';
import { request } from '../support/server.ts';

describe('since backfill: a step that does not advance ends the replay (issue 12)', () => {
  it('since 2^53 over an archive that holds seqs up to it: ERR_BACKFILL_STALLED, not a spin', async () => {
    const ctx = actorContext();
    const checked = checkRequest(request({ stream: 'frames' }));
    if (!checked.ok) throw new Error(checked.reason);
    const selection = new Selection(checked.request, undefined, ctx.dictionary.length);
    let steps = 0;
    // The archive side as the query service answers: it covered one seq more than asked.
    const channel = {
      since: async (req: { afterSeq: number }) => {
        steps++;
        return { buffer: new ArrayBuffer(0), bodies: [], through: req.afterSeq + 1 };
      },
      close: () => {},
    } as unknown as ArchiveQueryChannel;
    const target = {
      open: true,
      selection,
      sendRecords: () => {},
      sendData: () => {},
      writable: () => Promise.resolve(),
      gap: () => {},
    };
    const since = 2 ** 53; // what a REQUEST validated before issue 12 let through
    const run = backfill(
      ctx,
      () => channel,
      target,
      since,
      {},
      {
        stream: 'frames',
        timeBy: 'ert',
        maxDataBytes: 1 << 20,
        maxRecordsPerData: 512,
        sliceUs: 0,
      },
    );
    const outcome = await Promise.race([
      run.then(
        () => 'resolved',
        (err: { code?: string }) => err.code,
      ),
      new Promise((r) => setTimeout(() => r('still running'), 2000)),
    ]);
    target.open = false; // ends a loop that is still running (before the fix)
    expect(outcome).to.equal('ERR_BACKFILL_STALLED');
    expect(steps).to.be.at.most(2);
  });
});
