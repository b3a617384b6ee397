// Space packet (CCSDS 133.0-B) extraction from the packet zones of one virtual channel, driven by
// the first header pointer (FHP). Packets wholly inside a frame are delivered as views of it; a
// packet spanning frames is assembled into a buffer allocated once its header gives the length
// (after checking it against the cap). Data lost to a frame gap cuts the packet in progress, which
// is delivered zero-padded to its header length and flagged incomplete rather than dropped.
import { Quality } from '../../protocol/constants.ts';
import { CcsdsError, CcsdsErrorCode } from './errors.ts';
import { FHP_IDLE_ONLY, FHP_NO_HEADER } from './frame.ts';

export const PACKET_PRIMARY_HEADER_BYTES = 6;
export const IDLE_APID = 0x7ff;
/** Largest space packet: 6 header octets and 65536 data octets. */
export const MAX_PACKET_BYTES = PACKET_PRIMARY_HEADER_BYTES + 65_536;
const SSC_MODULUS = 0x4000;

export interface ExtractedPacket {
  /** The whole packet; a view of the frame when it lay within one, else an owned buffer. */
  data: Uint8Array;
  vcid: number;
  apid: number;
  ssc: number;
  /** Packet quality bits (header, sequence, incomplete) ORed with the frame bits passed in. */
  quality: number;
  /** ERT and spacecraft id of the frame holding the packet's first octet. */
  ert: number;
  scid: number;
}

export interface PacketCounters {
  packets: number;
  idlePackets: number;
  incompletePackets: number;
  headerErrors: number;
  sequenceErrors: number;
  /** Packets longer than the cap: skipped up to the next first header pointer. */
  oversizePackets: number;
  /** Fewer than 6 octets of a packet before a gap: no header to deliver them under. */
  fragmentsLost: number;
  /** Octets skipped while out of step (after a gap, before the next first header pointer). */
  discardedBytes: number;
  /** Frames whose first header pointer contradicts the packet in progress. */
  pointerMismatches: number;
}

const St = { SYNCED: 0, NO_SYNC: 1, HEADER: 2, BODY: 3, SKIP: 4 } as const;
type St = (typeof St)[keyof typeof St];

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** All counters at zero. */
export function newPacketCounters(): PacketCounters {
  return {
    packets: 0,
    idlePackets: 0,
    incompletePackets: 0,
    headerErrors: 0,
    sequenceErrors: 0,
    oversizePackets: 0,
    fragmentsLost: 0,
    discardedBytes: 0,
    pointerMismatches: 0,
  };
}

/** Extracts the packets of one virtual channel. */
export class PacketExtractor {
  readonly vcid: number;
  readonly maxPacketBytes: number;
  readonly counters: PacketCounters = newPacketCounters();
  readonly #onPacket: (p: ExtractedPacket) => void;
  #st: St = St.NO_SYNC;
  readonly #hdr = new Uint8Array(PACKET_PRIMARY_HEADER_BYTES);
  #hdrHave = 0;
  #buf = new Uint8Array(0);
  #have = 0;
  #skip = 0;
  #startErt = 0;
  #startScid = 0;
  #frameBits = 0;
  /** Last sequence count per APID, -1 before the first. */
  readonly #lastSsc = new Int16Array(IDLE_APID + 1).fill(-1);

  constructor(vcid: number, maxPacketBytes: number, onPacket: (p: ExtractedPacket) => void) {
    if (!Number.isInteger(maxPacketBytes) || maxPacketBytes < 7 || maxPacketBytes > MAX_PACKET_BYTES) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_PACKET_CAP,
        `packet cap ${maxPacketBytes} is not 7..${MAX_PACKET_BYTES}`,
      );
    }
    this.vcid = vcid;
    this.maxPacketBytes = maxPacketBytes;
    this.#onPacket = onPacket;
  }

  /** True while a packet is partly assembled. */
  get inProgress(): boolean {
    return this.#st === St.HEADER || this.#st === St.BODY;
  }

  /**
   * Processes the packet zone of a good frame. `frameBits` are frame quality bits that every
   * packet with an octet from this frame inherits (e.g. bits reversed).
   */
  frame(zone: Uint8Array, fhp: number, ert: number, scid: number, frameBits: number): void {
    const len = zone.length;
    if (fhp === FHP_IDLE_ONLY) {
      if (this.#st !== St.SYNCED && this.#st !== St.NO_SYNC) this.#mismatch();
      this.#st = St.NO_SYNC;
      return;
    }
    const limit = fhp === FHP_NO_HEADER ? len : fhp;
    let pos = 0;
    if (this.#st === St.HEADER || this.#st === St.BODY || this.#st === St.SKIP) {
      pos = this.#continue(zone, limit, frameBits);
      if (this.#st === St.HEADER || this.#st === St.BODY || this.#st === St.SKIP) {
        // Still unfinished although a new packet starts here: octets were lost in between.
        if (fhp !== FHP_NO_HEADER) this.#mismatch();
      } else if (pos < limit) {
        // The packet ended (or was dropped as oversize) before the pointer: the octets in between
        // belong to nothing.
        if (this.#st === St.SYNCED) this.counters.pointerMismatches++;
        this.counters.discardedBytes += limit - pos;
        if (fhp === FHP_NO_HEADER) this.#st = St.NO_SYNC;
      }
      if (fhp === FHP_NO_HEADER) return;
    } else if (fhp === FHP_NO_HEADER) {
      // Synced means the previous packet ended with the last frame, so a header was due at 0.
      if (this.#st === St.SYNCED) this.counters.pointerMismatches++;
      this.counters.discardedBytes += len;
      this.#st = St.NO_SYNC;
      return;
    } else if (fhp > 0) {
      if (this.#st === St.SYNCED) this.counters.pointerMismatches++;
      this.counters.discardedBytes += fhp;
    }
    this.#packets(zone, fhp, ert, scid, frameBits);
  }

  /** A frame of this VC was lost or unusable: the packet in progress is cut and delivered. */
  gap(): void {
    if (this.#st === St.BODY) {
      this.counters.incompletePackets++;
      this.#deliver(this.#buf, Quality.INCOMPLETE_PACKET);
    } else if (this.#st === St.HEADER) {
      this.counters.fragmentsLost++;
    }
    this.#st = St.NO_SYNC;
  }

  #mismatch(): void {
    this.counters.pointerMismatches++;
    this.gap();
  }

  /** Feeds the packet in progress from `zone[0, limit)`; returns the octets used. */
  #continue(zone: Uint8Array, limit: number, frameBits: number): number {
    let pos = 0;
    this.#frameBits |= frameBits;
    if (this.#st === St.HEADER) {
      const n = Math.min(PACKET_PRIMARY_HEADER_BYTES - this.#hdrHave, limit);
      this.#hdr.set(zone.subarray(0, n), this.#hdrHave);
      this.#hdrHave += n;
      pos = n;
      if (this.#hdrHave < PACKET_PRIMARY_HEADER_BYTES) return pos;
      const st = this.#begin(this.#hdr, 0, 0);
      if (st === St.NO_SYNC) return pos;
      if (st === St.BODY) this.#buf.set(this.#hdr);
    }
    if (this.#st === St.SKIP) {
      const n = Math.min(this.#skip, limit - pos);
      this.#skip -= n;
      if (this.#skip === 0) this.#st = St.SYNCED;
      return pos + n;
    }
    const n = Math.min(this.#buf.length - this.#have, limit - pos);
    this.#buf.set(zone.subarray(pos, pos + n), this.#have);
    this.#have += n;
    if (this.#have === this.#buf.length) {
      this.#st = St.SYNCED;
      this.#deliver(this.#buf, 0);
    }
    return pos + n;
  }

  /**
   * Starts a packet whose complete header is at `b[at]`, `have` of its octets already present.
   * Returns the new state: NO_SYNC when it exceeds the cap, else BODY, SKIP or (an idle packet
   * already complete) SYNCED.
   */
  #begin(b: Uint8Array, at: number, have: number): St {
    const total = PACKET_PRIMARY_HEADER_BYTES + u16(b, at + 4) + 1;
    if (total > this.maxPacketBytes) {
      this.counters.oversizePackets++;
      this.#st = St.NO_SYNC;
      return St.NO_SYNC;
    }
    if ((u16(b, at) & 0x7ff) === IDLE_APID) {
      this.counters.idlePackets++;
      this.#skip = total - Math.max(have, PACKET_PRIMARY_HEADER_BYTES);
      this.#st = this.#skip === 0 ? St.SYNCED : St.SKIP;
      return this.#st;
    }
    this.#buf = new Uint8Array(total);
    this.#have = PACKET_PRIMARY_HEADER_BYTES;
    this.#st = St.BODY;
    return St.BODY;
  }

  /** Packets from the first header pointer to the end of the zone. */
  #packets(zone: Uint8Array, fhp: number, ert: number, scid: number, frameBits: number): void {
    const len = zone.length;
    let pos = fhp;
    this.#st = St.SYNCED;
    while (pos < len) {
      this.#startErt = ert;
      this.#startScid = scid;
      this.#frameBits = frameBits;
      if (len - pos < PACKET_PRIMARY_HEADER_BYTES) {
        this.#hdr.set(zone.subarray(pos, len));
        this.#hdrHave = len - pos;
        this.#st = St.HEADER;
        return;
      }
      const total = PACKET_PRIMARY_HEADER_BYTES + u16(zone, pos + 4) + 1;
      if (pos + total <= len && total <= this.maxPacketBytes) {
        if ((u16(zone, pos) & 0x7ff) === IDLE_APID) this.counters.idlePackets++;
        else this.#deliver(zone.subarray(pos, pos + total), 0);
        pos += total;
        continue;
      }
      const st = this.#begin(zone, pos, len - pos);
      if (st === St.NO_SYNC) {
        this.counters.discardedBytes += len - pos;
        return;
      }
      if (st === St.BODY) {
        this.#buf.set(zone.subarray(pos, len));
        this.#have = len - pos;
      }
      return;
    }
  }

  #deliver(data: Uint8Array, extra: number): void {
    const w0 = u16(data, 0);
    const apid = w0 & 0x7ff;
    const ssc = u16(data, 2) & 0x3fff;
    let quality = this.#frameBits | extra;
    if (w0 >>> 13 !== 0) {
      quality |= Quality.PACKET_HEADER_ERROR;
      this.counters.headerErrors++;
    }
    const last = this.#lastSsc[apid]!;
    if (last >= 0 && ssc !== (last + 1) % SSC_MODULUS) {
      quality |= Quality.PACKET_SEQUENCE_ERROR;
      this.counters.sequenceErrors++;
    }
    this.#lastSsc[apid] = ssc;
    this.counters.packets++;
    this.#onPacket({ data, vcid: this.vcid, apid, ssc, quality, ert: this.#startErt, scid: this.#startScid });
  }
}
