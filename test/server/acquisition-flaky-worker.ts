// A stand-in for workers/acquisition.ts in the restart tests: while the file named by
// workerData.failWhile exists the thread fails at start as the real one does (a `fatal` message
// with its code, then the throw); otherwise it runs the real acquisition worker.
import { existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { CodedError } from '../../src/util/coded-error.ts';
import { fatalMessage } from '../../src/util/worker-fatal.ts';

const { failWhile } = workerData as { failWhile: string };
if (existsSync(failWhile)) {
  const err = new CodedError('ERR_STAND_IN_START', `cannot start while ${failWhile} exists`);
  parentPort?.postMessage(fatalMessage(err));
  throw err;
}
await import('../../workers/acquisition.ts');
