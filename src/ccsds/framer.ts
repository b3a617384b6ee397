// The sending side of the chain, for the simulator, tests and benchmarks: space packets into TM or
// AOS transfer frames per VC (first header pointer, idle packet fill, OCF, FECF), then into CADUs
// (Reed-Solomon check symbols, pseudo-randomisation, attached sync marker).
import { crc16Ccitt } from '../acquisition/crc16.ts';
import { CcsdsError, CcsdsErrorCode } from './errors.ts';
import {
  AOS_IDLE_VCID,
  FECF_BYTES,
  FHP_IDLE_ONLY,
  FHP_NO_HEADER,
  FrameType,
  MAX_SCID,
  MAX_VCID,
  MPDU_HEADER_BYTES,
  OCF_BYTES,
  PRIMARY_HEADER_BYTES,
} from './frame.ts';
import { IDLE_APID, PACKET_PRIMARY_HEADER_BYTES } from './packets.ts';
import { randomize } from './randomizer.ts';
import { type RsBasis, RsCodeBlock } from './reed-solomon.ts';
import { ASM, ASM_BYTES } from './sync.ts';

export interface FramerConfig {
  type: FrameType;
  frameLength: number;
  scid: number;
  fecf: boolean;
  /** An OCF carrying this CLCW value ends every frame (before the FECF). */
  clcw?: number;
  randomize?: boolean;
  reedSolomon?: { interleave: number; basis?: RsBasis };
}

export interface FramedOutput {
  /** The transfer frame. */
  frame: Uint8Array;
  /** Marker + code block (RS check symbols, randomisation) as sent on the link. */
  cadu: Uint8Array;
}

interface VcQueue {
  bytes: Uint8Array;
  length: number;
  /** Offsets of packet starts in `bytes`. */
  starts: number[];
  count: number;
}

/** The smallest idle packet: a header and one data octet. */
const MIN_IDLE_PACKET = PACKET_PRIMARY_HEADER_BYTES + 1;
const IDLE_FILL = 0x55;

export class PacketFramer {
  readonly config: FramerConfig;
  /** Octets of a data field. */
  readonly dataLength: number;
  readonly #rs: RsCodeBlock | null;
  readonly #queues = new Map<number, VcQueue>();
  #mcfc = 0;
  readonly #dataStart: number;

  constructor(config: FramerConfig) {
    if (!Number.isInteger(config.scid) || config.scid < 0 || config.scid > MAX_SCID[config.type]) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_SPACECRAFT_ID,
        `spacecraft id ${config.scid} does not fit ${config.type}`,
      );
    }
    this.config = config;
    this.#dataStart = PRIMARY_HEADER_BYTES + (config.type === FrameType.AOS ? MPDU_HEADER_BYTES : 0);
    const trailer = (config.fecf ? FECF_BYTES : 0) + (config.clcw !== undefined ? OCF_BYTES : 0);
    this.dataLength = config.frameLength - this.#dataStart - trailer;
    if (this.dataLength < MIN_IDLE_PACKET) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_FRAME_LENGTH,
        `frame length ${config.frameLength} is too short`,
      );
    }
    this.#rs = config.reedSolomon
      ? new RsCodeBlock({ frameLength: config.frameLength, ...config.reedSolomon })
      : null;
  }

  /** Queues a whole space packet on `vcid`; returns the frames it completed. */
  packet(vcid: number, packet: Uint8Array): FramedOutput[] {
    if (!Number.isInteger(vcid) || vcid < 0 || vcid > MAX_VCID[this.config.type]) {
      throw new CcsdsError(CcsdsErrorCode.ERR_VCID, `VCID ${vcid} does not fit ${this.config.type}`);
    }
    const q = this.#queue(vcid);
    if (q.bytes.length < q.length + packet.length) {
      const grown = new Uint8Array(Math.max(2 * q.bytes.length, q.length + packet.length));
      grown.set(q.bytes.subarray(0, q.length));
      q.bytes = grown;
    }
    q.starts.push(q.length);
    q.bytes.set(packet, q.length);
    q.length += packet.length;
    return this.#drain(vcid, q);
  }

  /** Completes the VC's partial frame with an idle packet (which may run on into one more frame). */
  flush(vcid: number): FramedOutput[] {
    const q = this.#queue(vcid);
    const rest = q.length % this.dataLength;
    if (rest === 0) return [];
    let fill = this.dataLength - rest;
    if (fill < MIN_IDLE_PACKET) fill += this.dataLength;
    const idle = new Uint8Array(fill).fill(IDLE_FILL);
    idle[0] = IDLE_APID >>> 8;
    idle[1] = IDLE_APID & 0xff;
    idle[2] = 0xc0;
    idle[4] = (fill - 7) >>> 8;
    idle[5] = (fill - 7) & 0xff;
    return this.packet(vcid, idle);
  }

  /** An idle frame: TM on `vcid` (conventionally 7) with only idle data, or AOS on VC 63. */
  idleFrame(vcid = this.config.type === FrameType.AOS ? AOS_IDLE_VCID : 7): FramedOutput {
    const q = this.#queue(vcid);
    return this.#build(vcid, q.count++, FHP_IDLE_ONLY, new Uint8Array(this.dataLength).fill(IDLE_FILL));
  }

  #queue(vcid: number): VcQueue {
    let q = this.#queues.get(vcid);
    if (q === undefined) {
      q = { bytes: new Uint8Array(4096), length: 0, starts: [], count: 0 };
      this.#queues.set(vcid, q);
    }
    return q;
  }

  #drain(vcid: number, q: VcQueue): FramedOutput[] {
    const out: FramedOutput[] = [];
    const n = this.dataLength;
    while (q.length >= n) {
      const first = q.starts.find((s) => s < n);
      const fhp = first === undefined ? FHP_NO_HEADER : first;
      out.push(this.#build(vcid, q.count++, fhp, q.bytes.subarray(0, n)));
      q.bytes.copyWithin(0, n, q.length);
      q.length -= n;
      q.starts = q.starts.filter((s) => s >= n).map((s) => s - n);
    }
    return out;
  }

  #build(vcid: number, count: number, fhp: number, data: Uint8Array): FramedOutput {
    const c = this.config;
    const frame = new Uint8Array(c.frameLength);
    const ocf = c.clcw !== undefined;
    if (c.type === FrameType.TM) {
      frame[0] = c.scid >>> 4;
      frame[1] = ((c.scid & 0x0f) << 4) | (vcid << 1) | (ocf ? 1 : 0);
      frame[2] = this.#mcfc++ & 0xff;
      frame[3] = count & 0xff;
      // No secondary header, packets in order, segment length id 0b11.
      frame[4] = 0x18 | (fhp >>> 8);
      frame[5] = fhp & 0xff;
    } else {
      frame[0] = 0x40 | (c.scid >>> 2);
      frame[1] = ((c.scid & 3) << 6) | vcid;
      const vcfc = count % 0x1000000;
      frame[2] = vcfc >>> 16;
      frame[3] = (vcfc >>> 8) & 0xff;
      frame[4] = vcfc & 0xff;
      frame[5] = 0;
      frame[6] = fhp >>> 8;
      frame[7] = fhp & 0xff;
    }
    frame.set(data, this.#dataStart);
    let end = this.#dataStart + data.length;
    if (ocf) {
      new DataView(frame.buffer).setUint32(end, c.clcw! >>> 0);
      end += OCF_BYTES;
    }
    if (c.fecf) {
      const crc = crc16Ccitt(frame, 0, end);
      frame[end] = crc >>> 8;
      frame[end + 1] = crc & 0xff;
    }
    const block = new Uint8Array(this.#rs ? this.#rs.blockLength : c.frameLength);
    block.set(frame);
    this.#rs?.encode(block);
    if (c.randomize) randomize(block);
    const cadu = new Uint8Array(ASM_BYTES + block.length);
    new DataView(cadu.buffer).setUint32(0, ASM);
    cadu.set(block, ASM_BYTES);
    return { frame, cadu };
  }
}
