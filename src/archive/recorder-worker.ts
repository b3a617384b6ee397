// The recorder thread: owns the archive's only write connection (node:sqlite is synchronous, so
// its inserts and checkpoints must not run on a thread that serves sockets) and runs a Recorder.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { systemClock } from '../util/clock.ts';
import { createLogger } from '../util/logger.ts';
import { fatalMessage } from '../util/worker-fatal.ts';
import type { CheckpointWorkerData, FromCheckpointer, ToCheckpointer } from './checkpoint-worker.ts';
import { ArchiveError, ArchiveErrorCode } from './errors.ts';
import type { FromRecorder, RecorderWorkerData, ToRecorder } from './messages.ts';
import { Recorder } from './recorder.ts';
import { ArchiveStore } from './store.ts';

const port = parentPort;
if (port === null) throw new Error('src/archive/recorder-worker.ts must run as a worker thread');
const data = workerData as RecorderWorkerData;

function post(msg: FromRecorder): void {
  port!.postMessage(msg);
}

// Any failure but a full disk (handled inside the Recorder) leaves the file in doubt: report it and
// end the thread; SQLite's WAL keeps every committed batch, and a restarted recorder continues
// from the first ring record above the archive's last seq.
function die(err: unknown): void {
  post(fatalMessage(err));
  process.exit(1);
}
process.on('uncaughtException', die);
process.on('unhandledRejection', die);

const log = createLogger({ level: data.logLevel ?? 'info', name: 'scs-archive' });
const store = new ArchiveStore(data.path, { checkpoints: 'external', ...data.store });
// WAL checkpoints (file I/O and fsync) run on their own thread, not between commits here.
const checkpointer = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), {
  workerData: { path: data.path } satisfies CheckpointWorkerData,
  name: 'scs-archive-checkpoint',
});
checkpointer.on('message', (m: FromCheckpointer) => {
  if (m.kind === 'failed')
    log.warn({ code: m.code, message: m.message }, 'archive WAL checkpoint failed: retrying');
});
checkpointer.on('error', die);

/** Stops the checkpointer first: the store's close, as the last connection, then checkpoints all. */
function stopCheckpointer(): Promise<void> {
  return new Promise((resolve) => {
    checkpointer.once('exit', () => resolve());
    checkpointer.postMessage({ kind: 'stop' } satisfies ToCheckpointer);
  });
}
const recorder = new Recorder(
  {
    store,
    rings: data.rings,
    clock: systemClock,
    log,
    onEvent: (event) => {
      if (event.kind !== 'committed') post({ kind: 'event', event });
    },
    ...(data.counters === undefined ? {} : { counters: data.counters }),
  },
  data.recorder,
);
const running = recorder.run();
running.catch(die);

port.on('message', (msg: ToRecorder) => {
  switch (msg.kind) {
    case 'counters':
      post({ kind: 'counters', counters: recorder.counters() });
      return;
    case 'stop':
      void recorder
        .stop()
        .then(stopCheckpointer)
        .then(() => {
          store.close();
          post({ kind: 'stopped', counters: recorder.counters() });
          port.close();
        }, die);
      return;
    default:
      die(
        new ArchiveError(
          ArchiveErrorCode.ERR_WORKER_MESSAGE,
          `unknown message ${String((msg as { kind: unknown }).kind)}`,
        ),
      );
  }
});

post({ kind: 'ready', lastSeq: store.lastSeqs() });
