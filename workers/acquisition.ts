// The acquisition thread: the single writer of the rings and the value table. Runs one
// Source into a RingSink, holds the mission database (MdbControl: the packet processor in force)
// and answers the main thread's messages (src/acquisition/messages.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { AcquisitionError, AcquisitionErrorCode } from '../src/acquisition/errors.ts';
import { defineSource } from '../src/acquisition/index.ts';
import type {
  AcquisitionWorkerData,
  FromAcquisition,
  InjectRecord,
  ToAcquisition,
} from '../src/acquisition/messages.ts';
import { RecorderPace } from '../src/acquisition/recorder-pace.ts';
import { RingSink } from '../src/acquisition/sink.ts';
import type { ArchiveCountersBuffers } from '../src/archive/counters.ts';
import { MdbControl } from '../src/mdb/control.ts';
import { parseMdbText } from '../src/mdb/load.ts';
import { PacketProcessor } from '../src/mdb/processor.ts';
import { systemClock } from '../src/util/clock.ts';
import { createLogger } from '../src/util/logger.ts';
import { fatalMessage } from '../src/util/worker-fatal.ts';

const port = parentPort;
if (port === null) throw new Error('workers/acquisition.ts must run as a worker thread');
const data = workerData as AcquisitionWorkerData;

function post(msg: FromAcquisition): void {
  port!.postMessage(msg);
}

function paceOf(counters: ArchiveCountersBuffers, sink: RingSink): () => Promise<void> | null {
  const pace = new RecorderPace(counters, data.rings, () => sink.heads());
  return () => pace.paced();
}

let started: { sink: RingSink; control: MdbControl | null; stop: () => Promise<void> };
try {
  const mdb = data.mdb === undefined ? null : parseMdbText(data.mdb);
  const definition = defineSource(data.source, mdb);
  const log = createLogger({ level: data.logLevel ?? 'info', name: 'scs-acquisition' });
  const sink = new RingSink({
    rings: data.rings,
    valueTable: data.valueTable,
    dictionary: definition.dictionary,
    clock: systemClock,
    log,
    ...(data.initialSeq ? { initialSeq: data.initialSeq } : {}),
  });
  const control =
    mdb === null
      ? null
      : new MdbControl(new PacketProcessor(mdb), log, {
          emit: (e) => sink.event(e),
          clock: systemClock,
          onReload: (database) => post({ kind: 'database', database }),
        });
  const source = definition.create(systemClock, {
    decom: control,
    metrics: data.downlinkMetrics ?? null,
    log,
    ringSlots: data.rings.rings.map((r) => r.slots),
    ...(data.archiveCounters === undefined ? {} : { recorderPace: paceOf(data.archiveCounters, sink) }),
  });
  source.start(sink);
  started = { sink, control, stop: () => source.stop() };
} catch (err) {
  // Rethrown after the report, so the main thread also sees the worker's 'error' event
  // (a failed start rejects there) and the thread ends.
  post(fatalMessage(err));
  throw err;
}

// Once running, a failure anywhere (a source's timer, a message handler) would leave the
// rings half-fed: report it and end the thread, and the main thread restarts acquisition.
function die(err: unknown): void {
  post(fatalMessage(err));
  process.exit(1);
}
process.on('uncaughtException', die);
process.on('unhandledRejection', die);

function write(sink: RingSink, r: InjectRecord): void {
  switch (r.stream) {
    case 'frames':
      sink.frame(r.rec);
      return;
    case 'packets':
      sink.packet(r.rec);
      return;
    case 'parameters':
      sink.sample(r.rec);
      return;
    case 'events':
      sink.event(r.rec);
      return;
    default:
      throw new AcquisitionError(
        AcquisitionErrorCode.ERR_WORKER_MESSAGE,
        `inject: unknown stream ${String((r as { stream: unknown }).stream)}`,
      );
  }
}

/** Runs one control request on this thread, between packets, and commits the events it raised. */
function control(id: number, msg: unknown): void {
  const { sink, control } = started;
  if (control === null) {
    const message = 'no mission database is loaded';
    post({
      kind: 'control-reply',
      id,
      reply: null,
      error: { code: AcquisitionErrorCode.ERR_NO_MDB, message },
    });
    return;
  }
  let reply: unknown;
  try {
    reply = control.handle(msg);
  } catch (err) {
    // A failed request must not end acquisition: the operator gets the error instead.
    const code = (err as { code?: unknown }).code;
    post({
      kind: 'control-reply',
      id,
      reply: null,
      error: { message: (err as Error).message, ...(typeof code === 'string' ? { code } : {}) },
    });
    return;
  } finally {
    sink.commit();
  }
  post({ kind: 'control-reply', id, reply });
}

port.on('message', (msg: ToAcquisition) => {
  const { sink, stop } = started;
  switch (msg.kind) {
    case 'inject':
      for (const r of msg.records) write(sink, r);
      sink.commit();
      post({ kind: 'injected', heads: sink.heads() });
      return;
    case 'link':
      sink.setLink(msg.up);
      return;
    case 'control':
      control(msg.id, msg.msg);
      return;
    case 'stop':
      void stop().then(() => {
        // Nothing is acquired any more: readers report DATA_BREAK from now on.
        sink.setLink(false);
        post({ kind: 'stopped' });
        port.close();
      });
      return;
    default:
      throw new AcquisitionError(
        AcquisitionErrorCode.ERR_WORKER_MESSAGE,
        `unknown message kind ${String((msg as { kind: unknown }).kind)}`,
      );
  }
});

post({ kind: 'ready' });
