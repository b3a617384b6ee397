// file link: replays a raw frame file (concatenated CADUs, or fixed-length code blocks) at 1x to
// 40x a nominal frame rate, or an annotated packet file paced by its recorded ert; or either as
// fast as possible. The file is read a chunk at a time, and the next chunk only once the previous
// one has been delivered, so memory stays at one chunk whatever the file size. A replay is not a
// live downlink: before each delivery it waits while the sink says so (LinkSink.paced, the archive
// recorder's pace), so even at `speed: max` every record is archived.
import { type FileHandle, open } from 'node:fs/promises';
import { PacketFileDecoder, type PacketFileRecord } from '../files/packet-file.ts';
import type { Clock } from '../util/clock.ts';
import { type FileLinkConfig, MAX_SPEED } from './config.ts';
import { LinkBase } from './core.ts';
import { LinkError, LinkErrorCode } from './errors.ts';

/** Most code blocks in one delivery of a stream replay. */
const MAX_DELIVERY_RECORDS = 64;

export class FileLink extends LinkBase {
  readonly delivery: 'stream' | 'block';
  readonly #cfg: FileLinkConfig;
  readonly #clock: Clock;
  /** Speed factor; 0 for 'max'. */
  readonly #speed: number;
  #done: Promise<void> | null = null;
  #timer: unknown = null;
  #wake: (() => void) | null = null;

  constructor(id: string, station: string, cfg: FileLinkConfig, clock: Clock) {
    if (cfg.format !== 'packets' && !(Number.isInteger(cfg.recordBytes) && (cfg.recordBytes ?? 0) > 0)) {
      throw new LinkError(
        LinkErrorCode.ERR_LINK_CONFIG,
        `link ${id}: a ${cfg.format} file needs recordBytes`,
      );
    }
    if (cfg.speed !== 'max' && !(cfg.speed >= 1 && cfg.speed <= MAX_SPEED)) {
      throw new LinkError(
        LinkErrorCode.ERR_LINK_CONFIG,
        `link ${id}: speed ${cfg.speed} is not 1 to ${MAX_SPEED} or 'max'`,
      );
    }
    if (!(cfg.frameRateHz > 0)) {
      throw new LinkError(LinkErrorCode.ERR_LINK_CONFIG, `link ${id}: frameRateHz must be above 0`);
    }
    super(id, station);
    this.delivery = cfg.format === 'cadu' ? 'stream' : 'block';
    this.#cfg = cfg;
    this.#clock = clock;
    this.#speed = cfg.speed === 'max' ? 0 : cfg.speed;
  }

  protected open(): void {
    this.#done = this.#run();
  }

  /** Resolves when the replay has ended: end of file, a read error, or stop(). */
  finished(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  protected async close(): Promise<void> {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#wake?.();
    await this.#done;
  }

  async #run(): Promise<void> {
    let handle: FileHandle | null = null;
    try {
      handle = await open(this.#cfg.path, 'r');
      if (!this.core.running) return;
      this.core.setUp(true, `replaying ${this.#cfg.path}`);
      if (this.#cfg.format === 'packets') await this.#packets(handle);
      else await this.#records(handle, this.#cfg.recordBytes ?? 0);
      this.core.setUp(false, `end of ${this.#cfg.path}`);
    } catch (err) {
      const message = this.core.error(err);
      this.core.setUp(false, `replay of ${this.#cfg.path} failed: ${message}`);
    } finally {
      await handle?.close();
    }
  }

  async #records(handle: FileHandle, record: number): Promise<void> {
    const core = this.core;
    const block = this.delivery === 'block';
    // Whole records per read, so a record never straddles two reads.
    const size = Math.max(record, Math.floor(this.#cfg.readBytes / record) * record);
    const periodMs = this.#speed === 0 ? 0 : 1000 / (this.#cfg.frameRateHz * this.#speed);
    const t0 = this.#clock.monoMs();
    let position = 0;
    let sent = 0;
    for (;;) {
      const chunk = await read(handle, position, size);
      if (!core.running) return;
      position += chunk.length;
      const whole = chunk.length - (chunk.length % record);
      core.stats.skippedBytes += chunk.length - whole;
      let at = 0;
      while (at < whole) {
        const wait = core.paced();
        if (wait !== null) {
          await wait;
          if (!core.running) return;
        }
        // A few code blocks per delivery, so that one delivery cannot fill a ring before the
        // archive recorder's pace is checked again.
        let count = Math.min((whole - at) / record, MAX_DELIVERY_RECORDS);
        if (periodMs > 0) {
          const now = this.#clock.monoMs();
          const due = t0 + sent * periodMs;
          if (due > now) {
            await this.#sleep(due - now);
            if (!core.running) return;
            continue;
          }
          // At least the one found due: the division may round just below it and stall the loop.
          count = Math.min(count, Math.max(1, Math.floor((now - t0) / periodMs) - sent + 1));
        }
        const ert = this.#clock.nowUs();
        const end = at + count * record;
        if (block) {
          for (let p = at; p < end && core.running; p += record)
            core.data(chunk.subarray(p, p + record), ert);
        } else {
          core.data(chunk.subarray(at, end), ert);
        }
        if (!core.running) return;
        at = end;
        sent += count;
      }
      if (chunk.length < size) return;
    }
  }

  async #packets(handle: FileHandle): Promise<void> {
    const core = this.core;
    const queue: PacketFileRecord[] = [];
    const decoder = new PacketFileDecoder({
      onRecord: (r) => queue.push(r),
      // Resync mode: a damaged stretch of a file costs its own records, not the rest of the file.
      onCorrupt: (err) => {
        core.error(err, LinkErrorCode.ERR_LINK_FILE_FORMAT);
      },
    });
    const size = this.#cfg.readBytes;
    let position = 0;
    let firstErt = -1;
    let t0 = 0;
    for (;;) {
      const chunk = await read(handle, position, size);
      if (!core.running) return;
      position += chunk.length;
      decoder.push(chunk);
      if (chunk.length < size) decoder.end();
      core.stats.skippedBytes = decoder.stats.skippedBytes;
      for (const r of queue) {
        if (this.#speed > 0) {
          if (firstErt < 0) {
            firstErt = r.ert;
            t0 = this.#clock.monoMs();
          }
          const due = t0 + (r.ert - firstErt) / 1000 / this.#speed;
          const now = this.#clock.monoMs();
          if (due > now) await this.#sleep(due - now);
        }
        const wait = core.paced();
        if (wait !== null) await wait;
        if (!core.running) return;
        core.packet(r);
      }
      queue.length = 0;
      if (chunk.length < size) return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = null;
        this.#wake = null;
        resolve();
      }, ms);
    });
  }
}

/** Up to `size` bytes at `position`, fewer only at end of file; a fresh buffer each time, so the
 * views delivered from it stay valid after the next read. */
async function read(handle: FileHandle, position: number, size: number): Promise<Uint8Array> {
  const buf = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const { bytesRead } = await handle.read(buf, got, size - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}
