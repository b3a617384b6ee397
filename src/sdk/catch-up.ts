// Telling catch-up from live records (SPEC §6 "ACK head"): a record with seq <= the ACK's
// `head` was acquired before the request was admitted (a `since` replay, the value snapshot),
// so it is marked and never makes the feed `live`.

/** Every record of an archive request is catch-up. */
export const ALL = Number.POSITIVE_INFINITY;
/** No record is catch-up: the ACK had no `head` (an older server, or nothing held in memory). */
export const NONE = Number.NEGATIVE_INFINITY;

/** The seq up to which records are catch-up, from the request's mode and its ACK. */
export function catchUpThrough(mode: string | undefined, ack: Record<string, unknown> | undefined): number {
  if (mode === 'archive') return ALL;
  const head = ack?.head;
  return typeof head === 'number' && Number.isFinite(head) ? head : NONE;
}

/**
 * Marks `catchUp: true` on the DATA body's records with seq <= `through`, on arrival, so the
 * mark holds however late the user reads them. True when the body holds a live record.
 */
export function markCatchUp(body: Record<string, unknown> | undefined, through: number): boolean {
  const records = body?.records;
  // A malformed body is refused where it is read (ERR_SDK_PROTOCOL); here it marks nothing.
  if (!Array.isArray(records) || through === NONE) return true;
  let live = false;
  for (const r of records) {
    if (typeof r !== 'object' || r === null) continue;
    const rec = r as { seq?: unknown; catchUp?: true };
    if (typeof rec.seq === 'number' && rec.seq <= through) rec.catchUp = true;
    else live = true;
  }
  return live;
}
