// ICD §5 `since`: every record after the client's last `seq`, then the live stream, with
// no gap and no duplicate. Records come from the ring while it still holds them, else
// from the archive; the client's reading paces the replay (never skipped, never a
// disconnect for reading slowly); the session joins the fan-out once it is close to the
// ring head.
import type { ArchiveFilter, ArchiveReader } from '../archive/query.ts';
import type { RecordMeta } from '../ring/ring.ts';
import type { ActorContext } from './context.ts';
import type { ValidRequest } from './request.ts';
import type { Selection } from './selection.ts';

/** Records per replay step (one DATA burst, then the client must read before the next). */
const PAGE = 512;
/** Archive rows one step may scan at most: a rarely matching filter must not hold the actor. */
const SCAN = 16_384;
/** Join the live fan-out once the replay is this close to the ring head. */
const JOIN_DISTANCE = 1024;
/** Read the ring only this far above its oldest slot: the writer must not overtake a page being read. */
const RING_MARGIN_FRACTION = 8;

export interface BackfillTarget {
  readonly selection: Selection;
  readonly open: boolean;
  sendRecords(records: readonly { payload: Uint8Array; seq: number; ert: number }[]): void;
  /** Resolves once the client has read what was sent (or at once if little is queued). */
  writable(): Promise<void>;
  /** Records after `since` that neither the ring nor the archive holds any more. */
  gap(records: number): void;
}

export function archiveFilter(req: ValidRequest, parameters: readonly number[] | undefined): ArchiveFilter {
  return {
    ...(req.vcids ? { vcids: req.vcids } : {}),
    ...(req.apids ? { apids: req.apids } : {}),
    ...(parameters ? { parameters } : {}),
    ...(req.minSeverity > 0 ? { minSeverity: req.minSeverity } : {}),
  };
}

/** The seq of ring position 0 (seq is contiguous within a ring), or undefined while it is empty. */
function ringBase(ctx: ActorContext, ring: number, meta: RecordMeta): number | undefined {
  const head = ctx.reader.head(ring);
  if (head === 0) return undefined;
  // The newest slot is the one the writer will overwrite last.
  return ctx.reader.readMeta(ring, head - 1, meta) === 0 ? meta.seq - (head - 1) : undefined;
}

/**
 * Replays the records with seq > `since` and returns the ring position at which the
 * target joins the live fan-out; undefined if the session closed meanwhile.
 */
export async function backfill(
  ctx: ActorContext,
  archive: ArchiveReader | undefined,
  target: BackfillTarget,
  since: number,
  filter: ArchiveFilter,
  stream: ValidRequest['stream'],
): Promise<number | undefined> {
  const ring = target.selection.ring;
  const reader = ctx.reader;
  const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  const scratch = new Uint8Array(reader.slotBytes(ring));
  const margin = Math.max(1, Math.floor(ctx.config.ring[stream].slots / RING_MARGIN_FRACTION));
  // Joining further back than the margin would hand the fan-out positions the writer may overwrite.
  const joinDistance = Math.min(JOIN_DISTANCE, margin);
  let next = since + 1;
  for (;;) {
    if (!target.open) return undefined;
    const head = reader.head(ring);
    const base = ringBase(ctx, ring, meta);
    const pos = base === undefined ? head : next - base;
    if (base !== undefined && pos >= head - joinDistance) return Math.min(Math.max(pos, 0), head);
    const records: { payload: Uint8Array; seq: number; ert: number }[] = [];
    if (base !== undefined && pos >= reader.oldest(ring) + margin) {
      const end = Math.min(head, pos + PAGE);
      let p = pos;
      for (; p < end; p++) {
        const n = reader.read(ring, p, meta, scratch, 0);
        if (n < 0) break; // overtaken: the archive takes over on the next step
        if (target.selection.matches(meta))
          records.push({ payload: scratch.slice(0, n), seq: meta.seq, ert: meta.ert });
      }
      next = base + p;
    } else {
      const archived = archive?.lastSeq(stream) ?? 0;
      if (next > archived) {
        // Neither the archive nor the readable ring has `next`: what lies between is gone.
        if (base === undefined) return head;
        const resume = Math.max(next, base + reader.oldest(ring) + margin);
        // Only an unfiltered session can tell a lost record from one that does not match.
        if (resume > next && target.selection.everything) target.gap(resume - next);
        next = resume;
        continue;
      }
      const window = Math.min(archived, next - 1 + SCAN);
      const rows = archive!.page({ stream, afterSeq: next - 1, maxSeq: window, filter }, null, PAGE).rows;
      for (const r of rows) {
        // A hole in an unfiltered replay is a record the recorder never got (the ring overran
        // it): declared, never silent. With a filter, holes are just records that do not match.
        if (target.selection.everything && r.seq > next) target.gap(r.seq - next);
        records.push({ payload: r.payload, seq: r.seq, ert: r.ert });
        next = r.seq + 1;
      }
      // A page short of PAGE has scanned its whole window.
      if (rows.length < PAGE) {
        if (target.selection.everything && window + 1 > next) target.gap(window + 1 - next);
        next = window + 1;
      }
    }
    if (records.length > 0) target.sendRecords(records);
    await target.writable();
    // One step per turn: a long replay must not hold the actor's other sessions.
    await new Promise((r) => setImmediate(r));
  }
}
