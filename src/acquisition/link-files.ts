// The files one downlink keeps besides the rings (src/files): its bad-frame file and one contact
// recorder per VC selection. Shared by configured links and the simulator, so both are set up,
// named and closed the same way.
import { resolve } from 'node:path';
import { BadFrameFile } from '../files/bad-frame-file.ts';
import { ContactRecorder } from '../files/contact-recorder.ts';
import type { Clock } from '../util/clock.ts';
import type { FrameArchive } from './downlink-chain.ts';
import type { EventIn } from './source.ts';

/** Bytes a file writer may hold in memory before it drops (and counts) what the disk cannot take. */
export const FILE_QUEUE_BYTES = 16 * 1024 * 1024;

export interface BadFrameFileSettings {
  readonly enabled: boolean;
  /** Relative to the state directory; default `bad-frames-<id>.txt`. */
  readonly path?: string;
  readonly maxFileBytes: number;
  readonly keepFiles: number;
}

export interface LinkFilesConfig {
  readonly badFrameFile: BadFrameFileSettings;
  /** One contact recorder per entry: the packets of its VCs (all when `vcids` is absent). */
  readonly contactFiles: readonly { readonly vcids?: readonly number[] }[];
}

export class LinkFiles {
  /** What the link's DownlinkChain writes to (empty when no file is configured). */
  readonly archive: FrameArchive;
  readonly #badFrames: BadFrameFile | null;
  readonly #recorders: ContactRecorder[];

  /** `onEvent` gets the writers' own events (queue full, write errors) from their callbacks. */
  constructor(
    linkId: string,
    cfg: LinkFilesConfig,
    stateDir: string,
    clock: Clock,
    onEvent: (e: EventIn) => void,
  ) {
    const b = cfg.badFrameFile;
    const badFrames = b.enabled
      ? new BadFrameFile(
          {
            path: resolve(stateDir, b.path ?? `bad-frames-${linkId}.txt`),
            maxFileBytes: b.maxFileBytes,
            keepFiles: b.keepFiles,
            maxQueueBytes: FILE_QUEUE_BYTES,
          },
          clock,
          onEvent,
        )
      : null;
    const recorders = cfg.contactFiles.map(
      (c) =>
        new ContactRecorder(
          {
            dir: resolve(stateDir, 'contacts', linkId),
            ...(c.vcids === undefined ? {} : { vcids: c.vcids }),
            maxQueueBytes: FILE_QUEUE_BYTES,
          },
          clock,
          onEvent,
        ),
    );
    this.#badFrames = badFrames;
    this.#recorders = recorders;
    this.archive = {
      ...(badFrames ? { badFrame: (f) => badFrames.frame(f) } : {}),
      ...(recorders.length > 0
        ? {
            packet: (p) => {
              for (const r of recorders) r.packet(p);
            },
          }
        : {}),
    };
  }

  /** A contact is the time the link is up: each up begins a contact file, each down ends it. */
  state(up: boolean): void {
    for (const r of this.#recorders) {
      if (up) r.startContact();
      else r.endContact();
    }
  }

  /** Writes what is queued and closes every file. */
  async close(): Promise<void> {
    await Promise.all([this.#badFrames?.close(), ...this.#recorders.map((r) => r.close())]);
  }
}
