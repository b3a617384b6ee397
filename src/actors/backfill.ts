// ICD §5 `since`: every record after the client's last `seq`, then the live stream, with
// no gap and no duplicate. Records come from the ring while it still holds them, else
// from the archive (read and encoded in the query pool); the client's reading paces the
// replay (never skipped, never a disconnect for reading slowly); the session joins the
// fan-out once it is close to the ring head.
//
// seq increases with ring position but need not be contiguous: after a crash the acquisition
// jumps seq past what may have been sent and not archived (src/server/archive.ts firstSeqs),
// and a restarted writer may jump too. So a seq is found in the ring by binary search, never
// by arithmetic on positions, and the archive is walked by rows, never by seq ranges.

import { STREAMS, type Stream } from '../../protocol/constants.ts';
import type { ArchiveFilter } from '../archive/query.ts';
import type { ArchiveQueryChannel } from '../archive/query-client.ts';
import type { EncodeOptions } from '../archive/query-protocol.ts';
import { type RateGate, rateKeep } from '../archive/rate-gate.ts';
import type { RecordMeta } from '../ring/ring.ts';
import type { ReplayTarget } from './archive-replay.ts';
import { sharedData } from './archive-replay.ts';
import type { ActorContext } from './context.ts';
import { ActorError, ActorErrorCode } from './errors.ts';
import type { ValidRequest } from './request.ts';
import type { Selection } from './selection.ts';

/** Records per replay step (one DATA burst, then the client must read before the next). */
const PAGE = 512;
/** Archive rows one step may scan at most: a rarely matching filter must not hold a pool thread. */
const SCAN = 16_384;
/** Join the live fan-out once the replay is this close to the ring head. */
const JOIN_DISTANCE = 1024;
/** Consecutive ring steps the writer may overtake before the backfill counts as stalled. */
const MAX_OVERTAKEN = 8;
/** Read the ring only this far above the slot the writer overwrites next: it must not overtake a page being read. */
const RING_MARGIN_FRACTION = 8;

export interface BackfillTarget extends ReplayTarget {
  readonly selection: Selection;
  /** Sends ring records (copies) in seq order. */
  sendRecords(records: readonly { payload: Uint8Array; seq: number; ert: number }[]): void;
  /** Records after `since` that neither the ring nor the archive holds any more. */
  gap(records: number): void;
}

export function archiveFilter(
  req: ValidRequest,
  parameters: readonly number[] | undefined,
  eventParameters?: readonly number[],
): ArchiveFilter {
  return {
    ...(req.vcids ? { vcids: req.vcids } : {}),
    ...(req.apids ? { apids: req.apids } : {}),
    ...(parameters ? { parameters } : {}),
    ...(req.minSeverity > 0 ? { minSeverity: req.minSeverity } : {}),
    ...(eventParameters ? { eventParameters } : {}),
  };
}

/**
 * The first position in [low, head) whose record has seq >= `seq` (head if none), and that seq.
 * An unreadable (overwritten) position counts as older than every readable one.
 */
export function seekRing(
  ctx: ActorContext,
  ring: number,
  low: number,
  head: number,
  seq: number,
  meta: RecordMeta,
): { pos: number; seq: number } {
  let lo = low;
  let hi = head;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (ctx.reader.readMeta(ring, mid, meta) < 0 || meta.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  if (lo < head && ctx.reader.readMeta(ring, lo, meta) >= 0) return { pos: lo, seq: meta.seq };
  return { pos: head, seq: Number.MAX_SAFE_INTEGER };
}

/** The lowest ring position a replay may read: the writer will not overwrite it while a page is read. */
function safeLow(ctx: ActorContext, ring: number, slots: number): number {
  const margin = Math.max(1, Math.floor(slots / RING_MARGIN_FRACTION));
  return Math.max(ctx.reader.oldest(ring), ctx.reader.head(ring) - slots + margin);
}

/**
 * Whether a `since` replay would have to read the archive now: the ring holds neither the first
 * record after `since` nor proof that there is none (its newest record at or below `since`).
 * Archive reads by any route count against the agency's archive-query quota (issue 12).
 */
export function sinceNeedsArchive(ctx: ActorContext, stream: Stream, since: number): boolean {
  const ring = STREAMS.indexOf(stream);
  const head = ctx.reader.head(ring);
  const low = safeLow(ctx, ring, ctx.config.ring[stream].slots);
  const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  const next = since + 1;
  const at = seekRing(ctx, ring, low, head, next, meta);
  if (at.pos < head) return !(at.seq === next || (at.pos > low && justBelow(ctx, ring, at.pos, next, meta)));
  return !(head > low && justBelow(ctx, ring, head, next, meta));
}

/** True when the record just below `pos` is readable and older than `seq`. */
function justBelow(ctx: ActorContext, ring: number, pos: number, seq: number, meta: RecordMeta): boolean {
  return ctx.reader.readMeta(ring, pos - 1, meta) >= 0 && meta.seq < seq;
}

/**
 * Replays the records with seq > `since` and returns the ring position at which the
 * target joins the live fan-out; undefined if the session closed meanwhile.
 */
export async function backfill(
  ctx: ActorContext,
  /** Opens the archive query on first use: a client that was away briefly needs only the ring. */
  openQuery: () => ArchiveQueryChannel,
  target: BackfillTarget,
  since: number,
  filter: ArchiveFilter,
  encode: EncodeOptions,
  /** `rateHz`: one gate for the ring and the archive parts (and then live). */
  rate?: RateGate,
): Promise<number | undefined> {
  const ring = target.selection.ring;
  const reader = ctx.reader;
  const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  const scratch = new Uint8Array(reader.maxRecordBytes(ring));
  const slots = ctx.config.ring[encode.stream].slots;
  const margin = Math.max(1, Math.floor(slots / RING_MARGIN_FRACTION));
  // Joining further back than the margin would hand the fan-out positions the writer may overwrite.
  const joinDistance = Math.min(JOIN_DISTANCE, margin);
  // A gated replay cannot tell a lost record from one the gate left out: it counts none, as filtered ones.
  const gaps = target.selection.everything && rate === undefined;
  let next = since + 1;
  let channel: ArchiveQueryChannel | undefined;
  // Every step must move `next` up, or the loop could replay forever (a seq past 2^53, where
  // next + 1 === next, did: one core per session). The only step allowed not to is a ring read
  // the writer overtook (the archive takes over on the next step), and only a few in a row.
  let previous = -1;
  let overtaken = false;
  let stalls = 0;
  for (;;) {
    if (next > previous) stalls = 0;
    else if (!overtaken || ++stalls > MAX_OVERTAKEN) {
      throw new ActorError(
        ActorErrorCode.ERR_BACKFILL_STALLED,
        `since ${since}: a backfill step did not advance past seq ${next - 1}`,
      );
    }
    previous = next;
    overtaken = false;
    if (!target.open) return undefined;
    const head = reader.head(ring);
    // Positions the writer will not overwrite while a page is read.
    const low = Math.max(reader.oldest(ring), head - slots + margin);
    const at = seekRing(ctx, ring, low, head, next, meta);
    // The ring's newest record is at or below `since`: nothing newer exists anywhere (the
    // archive only holds what the ring had), so no archive query is opened.
    if (at.pos === head && head > low && justBelow(ctx, ring, head, next, meta)) return head;
    // The ring holds `next` (or the first record after it) when the record just below is in the
    // ring too, with a smaller seq: nothing lies between them.
    if (at.pos < head && (at.seq === next || (at.pos > low && justBelow(ctx, ring, at.pos, next, meta)))) {
      if (at.pos >= head - joinDistance) return at.pos;
      const records: { payload: Uint8Array; seq: number; ert: number }[] = [];
      const end = Math.min(head, at.pos + PAGE);
      for (let p = at.pos; p < end; p++) {
        const n = reader.read(ring, p, meta, scratch, 0);
        if (n < 0) {
          overtaken = p === at.pos;
          break; // overtaken: the archive takes over on the next step
        }
        if (
          target.selection.matches(meta) &&
          (rate === undefined || rateKeep(rate, meta.key1, meta.ert, meta.scet))
        )
          records.push({ payload: scratch.slice(0, n), seq: meta.seq, ert: meta.ert });
        next = meta.seq + 1;
      }
      if (records.length > 0) target.sendRecords(records);
    } else {
      // Records from `next` up to the ring's lowest safe one are in the archive, if anywhere.
      channel ??= openQuery();
      const step = await channel.since({
        kind: 'since',
        afterSeq: next - 1,
        beforeSeq: at.seq,
        scanRows: SCAN,
        maxRows: PAGE,
        filter,
        gaps,
        encode,
        ...(rate ? { rate } : {}),
      });
      if (!target.open) return undefined;
      for (const body of step.bodies) target.sendData(sharedData(step, body), body.skipped);
      if (step.through < next) {
        // Neither the archive nor the ring holds anything from `next` on: join live.
        if (at.pos === head) return head;
        // [next, at.seq) is in neither. Records the ring overwrote before the recorder had them
        // are lost; with nothing overwritten yet, they came before this ring (a restart): a seq
        // jump or what a crash lost before the commit, never records this server holds.
        if (gaps && reader.oldest(ring) > 0) target.gap(at.seq - next);
        next = at.seq;
        continue;
      }
      next = step.through + 1;
    }
    await target.writable();
    // One step per turn: a long replay must not hold the actor's other sessions.
    await new Promise((r) => setImmediate(r));
  }
}
