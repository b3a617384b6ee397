// ICD §5 (rev B): a `since` greater than the newest seq of the stream is INVALID_REQUEST. The
// newest seq is the ring's newest record, or, when the ring holds none yet (a restart with
// nothing acquired since), the archive's newest.
import { STREAMS } from '../../protocol/constants.ts';
import type { RecordMeta } from '../ring/ring.ts';
import type { ActorContext } from './context.ts';
import type { ValidRequest } from './request.ts';

/** The stream's newest seq: ring first, else the archive, else 0 (nothing acquired). */
export async function newestSeq(ctx: ActorContext, req: ValidRequest): Promise<number> {
  const ring = STREAMS.indexOf(req.stream);
  const head = ctx.reader.head(ring);
  const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  if (head > 0 && ctx.reader.readMeta(ring, head - 1, meta) === 0) return meta.seq;
  if (ctx.archive === undefined) return 0;
  const query = ctx.archive.open();
  try {
    // An empty seq window: the step reads no row and reports the archive's newest seq.
    const { maxDataBytes, maxRecordsPerData } = ctx.config.session;
    const step = await query.since({
      kind: 'since',
      afterSeq: 0,
      beforeSeq: 1,
      scanRows: 1,
      maxRows: 1,
      filter: {},
      gaps: false,
      encode: { stream: req.stream, timeBy: 'ert', maxDataBytes, maxRecordsPerData, sliceUs: 0 },
    });
    return step.lastSeq;
  } finally {
    query.close();
  }
}

/** The INVALID_REQUEST reason when `since` is ahead of the stream, else undefined. */
export async function sinceAhead(ctx: ActorContext, req: ValidRequest): Promise<string | undefined> {
  if (req.since === undefined) return undefined;
  const newest = await newestSeq(ctx, req);
  return req.since > newest
    ? `since: ${req.since} is ahead of the newest seq ${newest} of ${req.stream}`
    : undefined;
}
