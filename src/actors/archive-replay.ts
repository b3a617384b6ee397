// ICD §5 `mode: archive`: the archived records of a time range, in time order, paced at
// `speed` × real time by their own timestamps, or as fast as the client reads (speed 0);
// flow-controlled: never skipped, never a disconnect for reading slowly.
import type { ArchiveQuery, ArchiveReader, ArchiveRow } from '../archive/query.ts';
import type { Clock } from '../util/clock.ts';
import type { BackfillTarget } from './backfill.ts';

/** Rows per archive page: one short query, so a replay never holds the actor for long. */
const PAGE = 512;
/** Longest single wait of a paced replay, so a closed session is noticed soon. */
const MAX_WAIT_MS = 500;

type ReplayTarget = Omit<BackfillTarget, 'gap' | 'selection'>;

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** Sends the query's records; resolves with how many were sent, or undefined if the session left. */
export async function replayArchive(
  clock: Clock,
  archive: ArchiveReader,
  target: ReplayTarget,
  query: ArchiveQuery,
  speed: number,
): Promise<number | undefined> {
  const cursor = archive.open(query, PAGE);
  const timeOf = (r: ArchiveRow) => (query.timeBy === 'scet' ? r.scet : r.ert);
  const send = (rows: readonly ArchiveRow[]) =>
    target.sendRecords(rows.map((r) => ({ payload: r.payload, seq: r.seq, ert: r.ert })));
  let sent = 0;
  let firstTime: number | undefined;
  const startMs = clock.monoMs();
  while (!cursor.done) {
    if (!target.open) {
      cursor.cancel();
      return undefined;
    }
    const rows = cursor.nextPage();
    if (speed === 0) {
      if (rows.length > 0) send(rows);
      sent += rows.length;
      await target.writable();
      // One page per turn: the actor's other sessions go on meanwhile.
      await new Promise((r) => setImmediate(r));
      continue;
    }
    for (let i = 0; i < rows.length; ) {
      if (!target.open) {
        cursor.cancel();
        return undefined;
      }
      // A record without a time (scet 0: the packet had none) is due at once, and does not
      // start the pacing clock.
      if (timeOf(rows[i]!) <= 0) {
        send(rows.slice(i, i + 1));
        sent++;
        i++;
        continue;
      }
      firstTime ??= timeOf(rows[i]!);
      // Every record whose time, replayed at `speed`, has come: sent together.
      const horizon = firstTime + (clock.monoMs() - startMs) * 1000 * speed;
      let j = i;
      while (j < rows.length && timeOf(rows[j]!) <= horizon) j++;
      if (j > i) {
        send(rows.slice(i, j));
        sent += j - i;
        i = j;
        await target.writable();
        continue;
      }
      const waitMs = (timeOf(rows[i]!) - horizon) / 1000 / speed;
      await sleep(clock, Math.min(Math.max(waitMs, 1), MAX_WAIT_MS));
    }
    // One page per turn at least, also when everything was already due.
    await new Promise((r) => setImmediate(r));
  }
  return sent;
}
