// The actor side of archive queries: opens a query in the pool (query-pool.ts) and asks it for
// one step at a time. Closing the query closes its port, which ends the pool task.
import { MessageChannel, type MessagePort, postMessageToThread } from 'node:worker_threads';
import { ArchiveError, ArchiveErrorCode } from './errors.ts';
import type { PageCursor } from './query.ts';
import type { EncodedBody, QueryOpen, QueryPoolAddress, QueryReply, QueryRequest } from './query-protocol.ts';

/** A reply's bodies, as views into its transferred buffer. */
export interface Step {
  buffer: ArrayBuffer;
  bodies: EncodedBody[];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Request = DistributiveOmit<QueryRequest, 'id'>;

export class ArchiveQueries {
  readonly #address: QueryPoolAddress;

  constructor(address: QueryPoolAddress) {
    this.#address = address;
  }

  /** Opens one query; close it when done (also when the client leaves). */
  open(): ArchiveQueryChannel {
    const { port1, port2 } = new MessageChannel();
    const msg: QueryOpen = { kind: 'archive-query-open', pool: this.#address.pool, port: port2 };
    const channel = new ArchiveQueryChannel(port1);
    postMessageToThread(this.#address.threadId, msg, [port2]).catch((err: unknown) =>
      channel.fail(
        new ArchiveError(ArchiveErrorCode.ERR_ARCHIVE_OPEN, 'archive query pool unreachable', { cause: err }),
      ),
    );
    return channel;
  }
}

export class ArchiveQueryChannel {
  readonly #port: MessagePort;
  readonly #pending = new Map<number, PromiseWithResolvers<QueryReply>>();
  #nextId = 0;
  #failure: Error | undefined;

  constructor(port: MessagePort) {
    this.#port = port;
    port.on('message', (reply: QueryReply) => {
      const p = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      p?.resolve(reply);
    });
    // The pool thread died (piscina replaces it): the query cannot go on.
    port.once('close', () =>
      this.fail(new ArchiveError(ArchiveErrorCode.ERR_QUERY_CLOSED, 'archive query pool thread ended')),
    );
  }

  /** One page of a time-range query. */
  async page(req: Extract<Request, { kind: 'page' }>): Promise<Step & { next: PageCursor | null }> {
    const r = await this.#ask(req);
    if (r.kind !== 'page') throw unexpected(r);
    return r;
  }

  /** One backfill step. */
  async since(
    req: Extract<Request, { kind: 'since' }>,
  ): Promise<Step & { through: number; lastSeq: number }> {
    const r = await this.#ask(req);
    if (r.kind !== 'since') throw unexpected(r);
    return r;
  }

  /** Ends the query: the pool task stops at once; requests under way reject with ERR_QUERY_CLOSED. */
  close(): void {
    this.fail(new ArchiveError(ArchiveErrorCode.ERR_QUERY_CLOSED, 'archive query closed'));
  }

  /** Ends the query; every pending and later request rejects with `err`. */
  fail(err: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#port.close();
  }

  async #ask(req: Request): Promise<QueryReply> {
    if (this.#failure) throw this.#failure;
    const id = this.#nextId++;
    const p = Promise.withResolvers<QueryReply>();
    this.#pending.set(id, p);
    this.#port.postMessage({ ...req, id });
    const reply = await p.promise;
    if (reply.kind === 'error') throw new ArchiveError(reply.code as ArchiveErrorCode, reply.message);
    return reply;
  }
}

function unexpected(r: QueryReply): Error {
  return new ArchiveError(ArchiveErrorCode.ERR_WORKER_MESSAGE, `unexpected reply ${r.kind}`);
}
