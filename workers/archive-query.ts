// Piscina worker entry of the archive query pool: each task is one archive query, served on
// the MessagePort its actor created, until the actor closes it.
import { workerData } from 'node:worker_threads';
import type { QueryPoolData, QueryTask } from '../src/archive/query-pool.ts';
import { type QueryOutcome, serveQuery } from '../src/archive/query-service.ts';

const counter = new Int32Array((workerData as QueryPoolData).counters);

export default function runQuery(task: QueryTask): Promise<QueryOutcome> {
  return serveQuery(task.port, task.path, counter);
}
