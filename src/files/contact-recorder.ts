// The contact recorder: the annotated packets of one VC selection, one file per contact
// (vc_yyyymmddhhmmss, the UTC start of collection) in the packet-file format of packet-file.ts.
// The acquisition thread only encodes and enqueues; files are opened, written and closed in the
// background through a bounded WriteQueue (full queue: drop, count, one event per burst).
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventIn, PacketIn } from '../acquisition/source.ts';
import type { Clock } from '../util/clock.ts';
import { encodePacketRecord, type PacketFileRecord, packetFileName } from './packet-file.ts';
import { noticeEvent, WriteQueue, type WriteQueueStats } from './write-queue.ts';

export interface ContactRecorderConfig {
  /** Directory of the files; created when missing. */
  readonly dir: string;
  /** VCs recorded; all when absent (the file name carries the selection: vc1-3_...). */
  readonly vcids?: readonly number[];
  readonly maxQueueBytes: number;
}

export interface ContactRecorderStats extends WriteQueueStats {
  /** Packets queued for writing. */
  packets: number;
  /** Contact files opened. */
  files: number;
  /** Packets received outside a contact (before startContact or after endContact). */
  outsideContact: number;
  /** Packets that could not be encoded (a field out of the packet-file range). */
  unencodable: number;
  /** The file of the contact in progress, once it has a packet. */
  current?: string;
}

/** One contact's file; opened on its first write, closed by the 'close' item endContact() queues. */
interface ContactFile {
  readonly path: string;
  handle: FileHandle | null;
}

type Item = { kind: 'record'; file: ContactFile; bytes: Uint8Array } | { kind: 'close'; file: ContactFile };

export class ContactRecorder {
  readonly #cfg: ContactRecorderConfig;
  readonly #clock: Clock;
  readonly #onEvent: (e: EventIn) => void;
  readonly #queue: WriteQueue<Item>;
  /** Bitmap of recorded VCs (0..63); null records all. */
  readonly #selected: boolean[] | null;
  #contact: { startUs: number; file: ContactFile | null } | null = null;
  #packets = 0;
  #files = 0;
  #outside = 0;
  #unencodable = 0;
  #dirReady: Promise<string | undefined> | null = null;
  #closed = false;

  constructor(cfg: ContactRecorderConfig, clock: Clock, onEvent: (e: EventIn) => void) {
    this.#cfg = cfg;
    this.#clock = clock;
    this.#onEvent = onEvent;
    this.#selected = null;
    if (cfg.vcids !== undefined) {
      this.#selected = [];
      for (const v of cfg.vcids) this.#selected[v] = true;
      // Fails now, on the caller's thread, for a VC id the file name cannot carry.
      packetFileName(0, cfg.vcids);
    }
    this.#queue = new WriteQueue<Item>({
      maxQueueBytes: cfg.maxQueueBytes,
      write: (batch) => this.#write(batch),
      notify: (n) => this.#onEvent(noticeEvent('contact-recorder', cfg.dir, n, this.#clock.nowUs())),
    });
  }

  /** A contact starts (link up): the next packets go to a new file named by this time. */
  startContact(): void {
    if (this.#closed) return;
    this.endContact();
    this.#contact = { startUs: this.#clock.nowUs(), file: null };
  }

  /** The contact ends (link down): its file is closed once its queued packets are written. */
  endContact(): void {
    const file = this.#contact?.file;
    this.#contact = null;
    if (file) this.#queue.push({ kind: 'close', file }, 0);
  }

  /** Records `p` when in a contact and of a selected VC; never waits for the disk. */
  packet(p: PacketIn | PacketFileRecord): void {
    const contact = this.#contact;
    if (contact === null) {
      if (!this.#closed) this.#outside++;
      return;
    }
    if (this.#selected !== null && this.#selected[p.vcid] !== true) return;
    let bytes: Uint8Array;
    try {
      bytes = encodePacketRecord(p);
    } catch {
      this.#unencodable++;
      return;
    }
    if (contact.file === null) {
      const name = packetFileName(contact.startUs, this.#cfg.vcids);
      contact.file = { path: join(this.#cfg.dir, name), handle: null };
      this.#files++;
    }
    if (this.#queue.push({ kind: 'record', file: contact.file, bytes }, bytes.length)) this.#packets++;
  }

  stats(): ContactRecorderStats {
    const s: ContactRecorderStats = {
      ...this.#queue.stats,
      packets: this.#packets,
      files: this.#files,
      outsideContact: this.#outside,
      unencodable: this.#unencodable,
    };
    const current = this.#contact?.file?.path;
    if (current !== undefined) s.current = current;
    return s;
  }

  /** Ends the contact, writes what is queued and closes the files. */
  async close(): Promise<void> {
    this.endContact();
    this.#closed = true;
    await this.#queue.idle();
  }

  async #write(batch: Item[]): Promise<void> {
    try {
      await this.#writeAll(batch);
    } catch (err) {
      // The rest of the batch is lost with the failed write, but a contact that ended in it must
      // still release its file: a failing disk would otherwise hold one handle per contact.
      for (const item of batch) {
        if (item.kind !== 'close') continue;
        await item.file.handle?.close().catch(() => undefined);
        item.file.handle = null;
      }
      throw err;
    }
  }

  async #writeAll(batch: Item[]): Promise<void> {
    let i = 0;
    while (i < batch.length) {
      const item = batch[i]!;
      const file = item.file;
      if (item.kind === 'close') {
        await file.handle?.close();
        file.handle = null;
        i++;
        continue;
      }
      // One write for each run of records of the same file.
      const run: Uint8Array[] = [];
      for (; i < batch.length; i++) {
        const next = batch[i]!;
        if (next.kind !== 'record' || next.file !== file) break;
        run.push(next.bytes);
      }
      if (file.handle === null) {
        await this.#ensureDir();
        // Append: a second contact starting within the same second shares the name, and packet
        // files are plain record sequences, so appending keeps both contacts readable.
        file.handle = await open(file.path, 'a');
      }
      await file.handle.writev(run);
    }
  }

  #ensureDir(): Promise<string | undefined> {
    this.#dirReady ??= mkdir(this.#cfg.dir, { recursive: true }).catch((err: unknown) => {
      this.#dirReady = null;
      throw err;
    });
    return this.#dirReady;
  }
}
