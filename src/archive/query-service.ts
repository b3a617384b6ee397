// The pool side of one archive query: answers the actor's page requests on the query's port
// until the actor closes it (the client left, switched, or the query ended). SQLite reads are
// synchronous, so each request is one bounded step; between steps the thread serves its other
// queries. Nothing is read ahead: the next page is read only when the actor asks for it.
import type { MessagePort } from 'node:worker_threads';
import { encodeRows } from './encode.ts';
import { ArchiveError } from './errors.ts';
import { ArchiveReader, type ArchiveRow } from './query.ts';
import type { QueryReply, QueryRequest } from './query-protocol.ts';
import { type RateGate, rateKeep } from './rate-gate.ts';

/** One read-only connection per pool thread and archive file. */
const readers = new Map<string, ArchiveReader>();

export function readerFor(path: string): ArchiveReader {
  let r = readers.get(path);
  if (r === undefined) {
    r = new ArchiveReader(path);
    readers.set(path, r);
  }
  return r;
}

export interface QueryOutcome {
  /** Requests answered before the port closed. */
  steps: number;
}

/**
 * Serves the requests arriving on `port` until it closes. `counter`, when given, is bumped
 * (Atomics, slot 0) once per answered request: the pool's owner reads it for its statistics.
 */
export function serveQuery(port: MessagePort, path: string, counter?: Int32Array): Promise<QueryOutcome> {
  let steps = 0;
  return new Promise((resolve) => {
    port.on('message', (req: QueryRequest) => {
      const reply = answer(path, req);
      steps++;
      if (counter) Atomics.add(counter, 0, 1);
      port.postMessage(reply, 'buffer' in reply ? [reply.buffer] : []);
    });
    // Closed by the actor (or with its thread): the query is over, the task ends.
    port.once('close', () => resolve({ steps }));
  });
}

/** The rows a `rateHz` session keeps, in order (rate-gate.ts); all of them without a gate. */
function gated(rows: ArchiveRow[], rate: RateGate | undefined): ArchiveRow[] {
  return rate === undefined ? rows : rows.filter((r) => rateKeep(rate, r.key1, r.ert, r.scet));
}

function answer(path: string, req: QueryRequest): QueryReply {
  try {
    const reader = readerFor(path);
    if (req.kind === 'page') {
      const { rows, next } = reader.page(req.query, req.after, req.maxRows);
      return { kind: 'page', id: req.id, ...encodeRows(gated(rows, req.rate), req.encode), next };
    }
    const stream = req.encode.stream;
    // Read first: every row the page below may see is then at or below it, or newer.
    const lastSeq = reader.lastSeq(stream);
    const everything = Object.keys(req.filter).length === 0;
    // Unfiltered, the page itself bounds the scan; a filter may match rarely: bound its window.
    const window = everything
      ? req.beforeSeq - 1
      : reader.seqWindow(stream, req.afterSeq, req.beforeSeq, req.scanRows);
    let rows: ArchiveRow[] = [];
    if (window !== undefined && window > req.afterSeq) {
      rows = reader.page(
        { stream, afterSeq: req.afterSeq, maxSeq: window, filter: req.filter },
        null,
        req.maxRows,
      ).rows;
    }
    const full = rows.length === req.maxRows;
    const covered = full
      ? rows.at(-1)!.seq
      : Math.max(
          rows.at(-1)?.seq ?? req.afterSeq,
          Math.min(req.beforeSeq - 1, window ?? Number.MAX_SAFE_INTEGER, Math.max(req.afterSeq, lastSeq)),
        );
    // A hole in an unfiltered replay is a record the recorder never got (the ring overran it):
    // declared, never silent. With a filter, holes are just records that do not match.
    const skippedAt = (i: number) => {
      if (!req.gaps) return 0;
      const before = i === 0 ? req.afterSeq : rows[i - 1]!.seq;
      const hole = rows[i]!.seq - before - 1;
      if (hole <= 0) return 0;
      // The recorder noted how many of a hole's seqs were records it lost; the rest is a seq jump.
      // A hole the client's `since` falls into counts only the lost records above it.
      const lost = reader.holeLost(stream, rows[i]!.seq);
      return lost === undefined ? hole : Math.min(hole, lost);
    };
    // Gated after `covered` is known: a left-out sample is still covered (and never a gap).
    return {
      kind: 'since',
      id: req.id,
      ...(req.rate === undefined
        ? encodeRows(rows, req.encode, skippedAt)
        : encodeRows(gated(rows, req.rate), req.encode)),
      through: covered,
      lastSeq,
    };
  } catch (err) {
    const code = err instanceof ArchiveError ? err.code : 'ERR_ARCHIVE_QUERY';
    return { kind: 'error', id: req.id, code, message: (err as Error).message };
  }
}
