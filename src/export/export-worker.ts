// One export in its own thread: node:sqlite is synchronous, so a standing order's query over a
// long window must not run on the main thread, which accepts sockets and serves ops HTTP.
import { parentPort, workerData } from 'node:worker_threads';
import { ArchiveReader } from '../archive/query.ts';
import { fatalMessage } from '../util/worker-fatal.ts';
import { archiveRecords } from './archive-source.ts';
import { runExport } from './run.ts';
import type { ExportWorkerData, FromExportWorker } from './standing.ts';

const port = parentPort;
if (port === null) throw new Error('src/export/export-worker.ts must run as a worker thread');
const data = workerData as ExportWorkerData;

const post = (msg: FromExportWorker) => port.postMessage(msg);

let reader: ArchiveReader | undefined;
try {
  reader = new ArchiveReader(data.archivePath);
  const result = await runExport(archiveRecords(reader, data.spec), data.spec, {
    kind: 'file',
    path: data.path,
  });
  post({ kind: 'done', records: result.records, bytes: result.bytes });
} catch (err) {
  post(fatalMessage(err));
} finally {
  reader?.close();
}
