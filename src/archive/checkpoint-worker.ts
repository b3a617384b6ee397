// The checkpointer thread: copies the recorder's committed WAL pages into the database file
// (and fsyncs it) from its own connection, so the recorder never waits for that I/O. A
// PASSIVE checkpoint never blocks the writer or the readers; the recorder's connection has
// automatic checkpoints off (ArchiveStoreOptions.checkpoints = 'external').
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { fatalMessage } from '../util/worker-fatal.ts';

export interface CheckpointWorkerData {
  path: string;
}

export type ToCheckpointer = { kind: 'stop' };
/** `failed`: a checkpoint failed (it is retried; the thread goes on). */
export type FromCheckpointer = { kind: 'stopped' } | { kind: 'failed'; message: string; code?: string };

/** Between checkpoints while the WAL is small. */
const IDLE_MS = 100;
/** After a failed checkpoint. */
const RETRY_MS = 1000;
/** WAL frames (pages) above which the next checkpoint follows at once. */
const BUSY_FRAMES = 4096;

const port = parentPort;
if (port === null) throw new Error('src/archive/checkpoint-worker.ts must run as a worker thread');
const db = new DatabaseSync((workerData as CheckpointWorkerData).path);
// synchronous=NORMAL: a checkpoint fsyncs the WAL, then the database file.
db.exec('PRAGMA synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let stopping = false;
let timer: NodeJS.Timeout | undefined;
let lastCheckpointed = -1;
let failing = false;

function step(): void {
  if (stopping) return;
  try {
    const r = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    // Progress with a long WAL still to copy: go on at once. Otherwise (little to do, or a
    // reader's snapshot holds the rest back) wait for more commits.
    const progress = r.checkpointed !== lastCheckpointed;
    lastCheckpointed = r.checkpointed;
    timer = setTimeout(step, progress && r.log - r.checkpointed > BUSY_FRAMES ? 0 : IDLE_MS);
  } catch (err) {
    // E.g. a full disk: the WAL keeps the commits meanwhile (the recorder handles the full disk
    // itself); try again later, reporting the first failure of a run of them.
    if (!failing) port!.postMessage({ ...fatalMessage(err), kind: 'failed' } satisfies FromCheckpointer);
    failing = true;
    timer = setTimeout(step, RETRY_MS);
    return;
  }
  failing = false;
}

port.on('message', (msg: ToCheckpointer) => {
  if (msg.kind !== 'stop') return;
  stopping = true;
  clearTimeout(timer);
  db.close();
  port.postMessage({ kind: 'stopped' } satisfies FromCheckpointer);
  port.close();
});
step();
