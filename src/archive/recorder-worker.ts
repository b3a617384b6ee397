// The recorder thread: owns the archive's only write connection (node:sqlite is synchronous, so
// its inserts and checkpoints must not run on a thread that serves sockets) and runs a Recorder.
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../util/clock.ts';
import { createLogger } from '../util/logger.ts';
import { fatalMessage } from '../util/worker-fatal.ts';
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
const store = new ArchiveStore(data.path, data.store);
const recorder = new Recorder(
  {
    store,
    rings: data.rings,
    clock: systemClock,
    log,
    onEvent: (event) => {
      if (event.kind !== 'committed') post({ kind: 'event', event });
    },
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
      void recorder.stop().then(() => {
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
