// The downlink chain of one link: frame sync -> polarity -> de-randomiser -> Reed-Solomon ->
// transfer frame checks -> VC demultiplexing -> packet extraction -> annotation (ICD §6).
// Synchronous and allocation-light: frames come out as views of the pushed chunk unless they had
// to be copied (spanning chunks, inverted, de-randomised or corrected).
import { Quality } from '../../protocol/constants.ts';
import type { FrameIn, PacketIn } from '../acquisition/source.ts';
import { CcsdsError, CcsdsErrorCode } from './errors.ts';
import {
  type Clcw,
  FrameLayout,
  type FrameLayoutConfig,
  MAX_VCID,
  newFrameHeader,
  parseClcw,
} from './frame.ts';
import {
  type ExtractedPacket,
  MAX_PACKET_BYTES,
  newPacketCounters,
  type PacketCounters,
  PacketExtractor,
} from './packets.ts';
import { derandomize } from './randomizer.ts';
import { type RsBasis, RsCodeBlock } from './reed-solomon.ts';
import { checkSwap, type PacketSwap, swapPacket } from './swap.ts';
import { FrameSync, type SyncCounters, type SyncedBlock, type SyncState } from './sync.ts';
import { createTimeDecoder, type TimeCodeConfig, type TimeDecoder } from './time.ts';
import { type VcStats, VirtualChannels } from './vc.ts';

export interface DownlinkConfig {
  /** Station id annotated on every frame and packet. */
  station: string;
  frame: FrameLayoutConfig;
  /** Frame synchroniser tuning (push() only). */
  sync?: { flywheel?: number; markerBitErrors?: number };
  /** The code block is CCSDS pseudo-randomised. */
  randomized?: boolean;
  /** Reed-Solomon (255,223) code blocks of the given interleave depth. */
  reedSolomon?: { interleave: number; basis?: RsBasis };
  /** VCs to process (frames and packets); all when omitted. */
  vcids?: readonly number[];
  /** VC frame count continuity checking (default true); see VcConfig.checkContinuity. */
  checkVcContinuity?: boolean;
  /** Packets longer than this are skipped (default: the CCSDS maximum, 65542). */
  maxPacketBytes?: number;
  /** Spacecraft time of packets per APID (CUC, CDS or a counter in the secondary header); scet 0 for the others. */
  time?: ReadonlyMap<number, TimeCodeConfig>;
  /** Swap correction per APID, applied before the time is read. */
  swap?: ReadonlyMap<number, PacketSwap>;
}

export interface DownlinkOutput {
  frame(f: FrameIn): void;
  packet(p: PacketIn): void;
  /** The CLCW of every frame with an OCF that has no CRC, RS or header error. */
  clcw?(c: Clcw, frame: FrameIn): void;
}

export interface DownlinkCounters {
  /** Transfer frames delivered to `frame` (good and bad; idle and unselected ones are not). */
  frames: number;
  badFrames: number;
  crcErrors: number;
  headerErrors: number;
  rsCorrectedSymbols: number;
  rsUncorrectableFrames: number;
  idleFrames: number;
  /** Good frames of VCs outside the selection. */
  unselectedFrames: number;
  vcSequenceErrors: number;
  invertedFrames: number;
}

export interface DownlinkStats {
  sync: SyncState;
  syncCounters: Readonly<SyncCounters>;
  counters: Readonly<DownlinkCounters>;
  packets: PacketCounters;
  vcs: VcStats[];
}

/** Frame quality bits that the packets of a frame inherit. */
const INHERITED = Quality.BITS_REVERSED;
const BAD = Quality.FRAME_CRC_ERROR | Quality.FRAME_HEADER_ERROR;

export class DownlinkPipeline {
  readonly station: string;
  readonly counters: DownlinkCounters = {
    frames: 0,
    badFrames: 0,
    crcErrors: 0,
    headerErrors: 0,
    rsCorrectedSymbols: 0,
    rsUncorrectableFrames: 0,
    idleFrames: 0,
    unselectedFrames: 0,
    vcSequenceErrors: 0,
    invertedFrames: 0,
  };
  readonly #out: DownlinkOutput;
  readonly #layout: FrameLayout;
  readonly #sync: FrameSync;
  readonly #rs: RsCodeBlock | null;
  readonly #randomized: boolean;
  readonly #vcs: VirtualChannels;
  readonly #extractors: (PacketExtractor | undefined)[];
  readonly #time: Map<number, TimeDecoder>;
  readonly #swap: (PacketSwap | undefined)[];
  readonly #h = newFrameHeader();
  readonly #blockLength: number;
  #ert = 0;
  readonly #onBlock = (b: SyncedBlock): void => this.#block(b.data, b.owned, b.inverted);
  readonly #onPacket = (p: ExtractedPacket): void => this.#packet(p);

  constructor(config: DownlinkConfig, output: DownlinkOutput) {
    this.station = config.station;
    this.#out = output;
    this.#layout = new FrameLayout(config.frame);
    this.#rs = config.reedSolomon
      ? new RsCodeBlock({ frameLength: config.frame.frameLength, ...config.reedSolomon })
      : null;
    this.#blockLength = this.#rs ? this.#rs.blockLength : config.frame.frameLength;
    this.#sync = new FrameSync({ blockLength: this.#blockLength, ...config.sync });
    this.#randomized = config.randomized ?? false;
    this.#vcs = new VirtualChannels({
      type: config.frame.type,
      vcids: config.vcids,
      checkContinuity: config.checkVcContinuity,
    });
    const maxPacketBytes = config.maxPacketBytes ?? MAX_PACKET_BYTES;
    this.#extractors = [];
    for (let v = 0; v <= MAX_VCID[config.frame.type]; v++) {
      this.#extractors.push(
        this.#vcs.selected(v) ? new PacketExtractor(v, maxPacketBytes, this.#onPacket) : undefined,
      );
    }
    this.#time = new Map();
    for (const [apid, code] of config.time ?? []) {
      checkApid(apid);
      this.#time.set(apid, createTimeDecoder(code));
    }
    this.#swap = [];
    for (const [apid, swap] of config.swap ?? []) {
      checkApid(apid);
      checkSwap(apid, swap);
      this.#swap[apid] = swap;
    }
  }

  /** Feeds link bytes (CADUs with attached sync markers); outputs synchronously. */
  push(chunk: Uint8Array, ertUs: number): void {
    this.#ert = ertUs;
    this.#sync.push(chunk, this.#onBlock);
  }

  /**
   * Feeds one code block without its marker, as from a link that delivers a frame per datagram.
   * A block of the wrong length is delivered as a bad frame.
   */
  pushBlock(block: Uint8Array, ertUs: number): void {
    this.#ert = ertUs;
    if (block.length !== this.#blockLength) {
      this.#frame(block, false, 0, false);
      return;
    }
    this.#block(block, false, false);
  }

  /** A link break: packets in progress are delivered incomplete and the synchroniser re-searches. */
  flush(): void {
    this.#sync.reset();
    for (const x of this.#extractors) x?.gap();
  }

  /** The synchroniser's state, without building the whole stats object. */
  get syncState(): SyncState {
    return this.#sync.state;
  }

  /** The synchroniser's counters (live, not a copy). */
  get syncCounters(): Readonly<SyncCounters> {
    return this.#sync.counters;
  }

  /** Bytes of one code block: the frame, plus the Reed-Solomon check symbols when coded. */
  get blockLength(): number {
    return this.#blockLength;
  }

  stats(): DownlinkStats {
    const packets = newPacketCounters();
    for (const x of this.#extractors) {
      if (x === undefined) continue;
      for (const k of Object.keys(packets) as (keyof PacketCounters)[]) packets[k] += x.counters[k];
    }
    return {
      sync: this.#sync.state,
      syncCounters: this.#sync.counters,
      counters: this.counters,
      packets,
      vcs: this.#vcs.allStats(),
    };
  }

  #block(data: Uint8Array, owned: boolean, inverted: boolean): void {
    let block = data;
    // De-randomising and correcting write in place: never into the caller's chunk.
    if ((this.#randomized || this.#rs) && !owned) block = data.slice();
    if (this.#randomized) derandomize(block);
    let corrected = 0;
    let uncorrectable = false;
    if (this.#rs) {
      const r = this.#rs.decode(block);
      corrected = r.corrected;
      uncorrectable = r.uncorrectable > 0;
      block = block.subarray(0, this.#rs.frameLength);
    }
    this.#frame(block, inverted, corrected, uncorrectable);
  }

  #frame(frame: Uint8Array, inverted: boolean, rsCorrected: number, rsUncorrectable: boolean): void {
    const c = this.counters;
    const h = this.#h;
    const layout = this.#layout;
    let quality = 0;
    if (inverted) {
      quality |= Quality.BITS_REVERSED;
      c.invertedFrames++;
    }
    if (!layout.parse(frame, h)) {
      quality |= Quality.FRAME_HEADER_ERROR;
      c.headerErrors++;
    }
    if (layout.fecf) {
      quality |= Quality.FRAME_ECF_PRESENT;
      if (frame.length !== layout.frameLength || !layout.checkFecf(frame)) {
        quality |= Quality.FRAME_CRC_ERROR;
        c.crcErrors++;
      }
    }
    // ICD §6 has one "frame error" bit: an RS-uncorrectable frame sets it like a failed CRC.
    if (rsUncorrectable) {
      quality |= Quality.FRAME_CRC_ERROR;
      c.rsUncorrectableFrames++;
    }
    c.rsCorrectedSymbols += rsCorrected;
    const bad = (quality & BAD) !== 0;
    const vcid = h.vcid;
    const f: FrameIn = {
      ert: this.#ert,
      station: this.station,
      scid: h.scid,
      vcid,
      vcfc: h.vcfc,
      quality,
      data: frame,
    };
    if (!bad && h.ocfOffset >= 0 && this.#out.clcw) {
      const clcw = parseClcw(frame, h.ocfOffset);
      if (clcw) this.#out.clcw(clcw, f);
    }
    if (!bad && layout.isIdle(h)) {
      c.idleFrames++;
      return;
    }
    // Bad frames are never dropped, whatever VC they claim: their VCID may be the corrupted field.
    if (!bad && !this.#vcs.selected(vcid)) {
      c.unselectedFrames++;
      return;
    }
    const stats = this.#vcs.stats(vcid);
    stats.frames++;
    stats.rsCorrections += rsCorrected;
    const extractor = this.#extractors[vcid];
    if (bad) {
      this.#vcs.bad(vcid);
      c.badFrames++;
      c.frames++;
      extractor?.gap();
      this.#out.frame(f);
      return;
    }
    if (this.#vcs.follow(vcid, h.vcfc, h.vcfcModulus)) {
      f.quality |= Quality.VC_SEQUENCE_ERROR;
      c.vcSequenceErrors++;
      extractor?.gap();
    }
    c.frames++;
    this.#out.frame(f);
    if (extractor && !h.syncFlag) {
      extractor.frame(
        frame.subarray(h.dataStart, h.dataEnd),
        h.firstHeaderPointer,
        this.#ert,
        h.scid,
        f.quality & INHERITED,
      );
    }
  }

  #packet(p: ExtractedPacket): void {
    const time = this.#time.get(p.apid);
    const swap = this.#swap[p.apid];
    let data = p.data;
    if (swap !== undefined) {
      // Never in place: the packet may be a view of the caller's chunk.
      data = data.slice();
      swapPacket(data, swap);
    }
    this.#out.packet({
      ert: p.ert,
      scet: time ? scetOf(time.decode(data)) : 0,
      station: this.station,
      scid: p.scid,
      vcid: p.vcid,
      apid: p.apid,
      ssc: p.ssc,
      quality: p.quality,
      data,
    });
  }
}

/**
 * ICD §6 `scet` is whole µs since 1970, 0 for none: a time before 1970 (a spacecraft clock counting
 * from its 1958 epoch since boot) or beyond 2^53 µs (a damaged count) is none, never a negative or
 * inexact number the records cannot carry.
 */
function scetOf(us: number): number {
  const t = Math.round(us);
  return t >= 0 && t <= Number.MAX_SAFE_INTEGER ? t : 0;
}

function checkApid(apid: number): void {
  if (!Number.isInteger(apid) || apid < 0 || apid > 0x7ff) {
    throw new CcsdsError(CcsdsErrorCode.ERR_APID, `APID ${apid} is outside 0..2047`);
  }
}
