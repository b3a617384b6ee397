// ICD §5 `mode: archive`: the archived records of a time range, in time order, paced at
// `speed` × real time by their own timestamps, or as fast as the client reads (speed 0);
// flow-controlled: never skipped, never a disconnect for reading slowly. The query pool reads
// and encodes the pages; this side only paces them and writes them to the socket.
import type { ArchiveQuery, PageCursor } from '../archive/query.ts';
import type { ArchiveQueryChannel, Step } from '../archive/query-client.ts';
import type { EncodedBody, EncodeOptions } from '../archive/query-protocol.ts';
import type { RateGate } from '../archive/rate-gate.ts';
import type { Clock } from '../util/clock.ts';
import type { SharedData } from './data-body.ts';

/** Rows per archive page (one pool step). */
const PAGE = 512;
/** A paced body spans at most this much replay time, so none goes out much before its time. */
const SLICE_MS = 10;
/** Longest single wait of a paced replay, so a closed session is noticed soon. */
const MAX_WAIT_MS = 500;

export interface ReplayTarget {
  readonly open: boolean;
  /** Sends one DATA body, `skipped` records lost before it. */
  sendData(data: SharedData, skipped: number): void;
  /** Resolves once the client has read what was sent (or at once if little is queued). */
  writable(): Promise<void>;
}

export type ReplayCaps = Pick<EncodeOptions, 'maxDataBytes' | 'maxRecordsPerData'>;

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** A body of a pool reply as the fan-out's SharedData (a view, no copy). */
export function sharedData(step: Step, b: EncodedBody): SharedData {
  return {
    bytes: Buffer.from(step.buffer, b.offset, b.length),
    crc: b.crc,
    shift: b.shift,
    count: b.count,
    lastSeq: b.lastSeq,
    firstErt: b.firstErt,
    lastErt: b.lastErt,
  };
}

/** Sends the query's records; resolves with how many were sent, or undefined if the session left. */
export async function replayArchive(
  clock: Clock,
  channel: ArchiveQueryChannel,
  target: ReplayTarget,
  query: ArchiveQuery,
  speed: number,
  caps: ReplayCaps,
  rate?: RateGate,
): Promise<number | undefined> {
  const encode: EncodeOptions = {
    ...caps,
    stream: query.stream,
    timeBy: query.timeBy ?? 'ert',
    sliceUs: speed > 0 ? SLICE_MS * 1000 * speed : 0,
  };
  const ask = (after: PageCursor | null) =>
    channel.page({ kind: 'page', query, after, maxRows: PAGE, encode, ...(rate ? { rate } : {}) });
  let sent = 0;
  let firstTime = 0;
  const startMs = clock.monoMs();
  let page = await ask(null);
  for (;;) {
    // The next page is read while this one is sent: one page ahead at most.
    const following = page.next === null ? undefined : ask(page.next);
    following?.catch(() => undefined);
    for (const body of page.bodies) {
      // A body without a time (scet 0: the packets had none) is due at once and does not
      // start the pacing clock.
      if (speed > 0 && body.lastTime > 0) {
        if (firstTime === 0) firstTime = body.firstTime;
        for (;;) {
          if (!target.open) return undefined;
          const horizon = firstTime + (clock.monoMs() - startMs) * 1000 * speed;
          if (body.lastTime <= horizon) break;
          const waitMs = (body.lastTime - horizon) / 1000 / speed;
          await sleep(clock, Math.min(Math.max(waitMs, 1), MAX_WAIT_MS));
        }
      }
      if (!target.open) return undefined;
      target.sendData(sharedData(page, body), 0);
      sent += body.count;
      await target.writable();
    }
    if (following === undefined) return sent;
    if (!target.open) return undefined;
    page = await following;
  }
}
