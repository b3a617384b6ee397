// The recorder thread, seen from the main thread: it archives every record the rings
// carry. Started before the acquisition, so `seq` continues after the archive's last
// record (ICD §6: kept across restarts where the archive is on); stopped after it, so
// what the rings still hold is recorded.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Stream } from '../../protocol/constants.ts';
import type { FromRecorder, RecorderWorkerData, ToRecorder } from '../archive/messages.ts';
import { ArchiveQueryPool } from '../archive/query-pool.ts';
import type { ArchiveConfig } from '../config/schema.ts';
import type { RingSetBuffers } from '../ring/ring.ts';
import type { Logger } from '../util/logger.ts';

const RECORDER_ENTRY = new URL('../archive/recorder-worker.ts', import.meta.url).pathname;
const DAY_MS = 86_400_000;

export function archivePath(config: ArchiveConfig, stateDir: string): string {
  return isAbsolute(config.file) ? config.file : join(stateDir, config.file);
}

/** Most records per recorder transaction (the recorder's default maxBatch). */
const MAX_UNCOMMITTED = 16_384;

/**
 * The first seq of each stream for this run. After a clean stop the archive holds every
 * record ever sent, so seq continues right after it. After a crash, records may have been
 * sent to clients and not yet committed (up to a transaction plus a ring's worth): seq
 * jumps past all of them, so no seq is ever given to two records.
 */
export function firstSeqs(
  lastSeq: Record<Stream, number>,
  cleanStop: boolean,
  ringSlots: Record<Stream, number>,
): Record<Stream, number> {
  const out = {} as Record<Stream, number>;
  for (const s of Object.keys(lastSeq) as Stream[]) {
    const jump = cleanStop || lastSeq[s] === 0 ? 0 : ringSlots[s] + MAX_UNCOMMITTED;
    out[s] = lastSeq[s] + 1 + jump;
  }
  return out;
}

/** Marks, in the state dir, that the archive was closed cleanly (removed while the server runs). */
export function cleanStopMarker(stateDir: string): {
  wasClean: () => boolean;
  running: () => void;
  stopped: () => void;
} {
  const file = join(stateDir, 'archive.clean');
  return {
    wasClean: () => existsSync(file),
    running: () => rmSync(file, { force: true }),
    stopped: () => writeFileSync(file, `${new Date().toISOString()}\n`),
  };
}

export class ArchiveThread {
  readonly path: string;
  /** Where the actors run their archive queries (reads and encoding off the actor threads). */
  readonly queries: ArchiveQueryPool;
  readonly #log: Logger;
  readonly #worker: Worker;
  #running = true;

  private constructor(path: string, worker: Worker, log: Logger) {
    this.path = path;
    this.#worker = worker;
    this.#log = log;
    this.queries = new ArchiveQueryPool(path, log);
    worker.on('message', (m: FromRecorder) => {
      if (m.kind === 'event') this.#log.warn({ event: m.event }, `archive: ${m.event.kind}`);
      if (m.kind === 'fatal')
        this.#log.error({ message: m.message, code: m.code }, 'archive recorder failed');
    });
    worker.on('exit', () => {
      this.#running = false;
    });
  }

  get running(): boolean {
    return this.#running;
  }

  /** Opens the archive and starts recording; resolves with the last archived seq of each stream. */
  static start(
    config: ArchiveConfig,
    stateDir: string,
    rings: RingSetBuffers,
    logLevel: string,
    log: Logger,
  ): Promise<{ thread: ArchiveThread; lastSeq: Record<Stream, number> }> {
    const path = archivePath(config, stateDir);
    const data: RecorderWorkerData = {
      rings,
      path,
      logLevel,
      recorder: {
        commitMs: config.commitMs,
        retention: {
          ...(config.maxAgeDays > 0 ? { maxAgeMs: config.maxAgeDays * DAY_MS } : {}),
          ...(config.maxBytes > 0 ? { maxBytes: config.maxBytes } : {}),
        },
      },
    };
    const worker = new Worker(RECORDER_ENTRY, { workerData: data, name: 'scs-archive' });
    const thread = new ArchiveThread(path, worker, log);
    const started = new Promise<{ thread: ArchiveThread; lastSeq: Record<Stream, number> }>(
      (resolve, reject) => {
        const onMessage = (m: FromRecorder) => {
          if (m.kind === 'ready') {
            worker.off('message', onMessage);
            resolve({ thread, lastSeq: m.lastSeq });
          } else if (m.kind === 'fatal') {
            reject(new Error(`archive ${path}: ${m.message}`));
          }
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
      },
    );
    // A recorder that cannot start must not leave the query pool's threads running.
    started.catch(() => thread.queries.destroy());
    return started;
  }

  /** Ends the queries, commits what was recorded and closes the file. */
  async stop(): Promise<void> {
    await this.queries.destroy();
    if (!this.#running) return;
    const stopped = new Promise<void>((resolve) => {
      this.#worker.once('exit', () => resolve());
    });
    const msg: ToRecorder = { kind: 'stop' };
    this.#worker.postMessage(msg);
    const timer = setTimeout(() => void this.#worker.terminate(), 3000);
    await stopped;
    clearTimeout(timer);
  }
}
