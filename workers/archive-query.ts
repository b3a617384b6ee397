// Piscina worker entry of the archive query pool. A task is one archive query, served on the
// MessagePort its actor created until the actor closes it, or one display history request,
// answered with its JSON.
import { workerData } from 'node:worker_threads';
import type { PoolTask, QueryPoolData } from '../src/archive/query-pool.ts';
import type { HistoryReply } from '../src/archive/query-protocol.ts';
import { type QueryOutcome, readerFor, serveQuery } from '../src/archive/query-service.ts';
import { runHistory } from '../src/web/history-scan.ts';

const counters = new Int32Array((workerData as QueryPoolData).counters);

export default async function runTask(task: PoolTask): Promise<QueryOutcome | HistoryReply> {
  if (task.kind === 'query') return serveQuery(task.port, task.path, counters);
  const cancel = new Int32Array(task.cancel);
  const reply = await runHistory(readerFor(task.path), task.request, () => Atomics.load(cancel, 0) !== 0);
  Atomics.add(counters, 1, 1);
  return reply;
}
