// The end-to-end bench's downlink: real CCSDS TM transfer frames built by the project's own
// framer (src/ccsds/framer.ts), each one CADU on the wire (attached sync marker + frame with its
// FECF, no randomisation, no Reed-Solomon), one science packet per frame on VC 0.
//
// The pool is built once and sent in a cycle. Its length, 16 384 frames, is a multiple of every
// counter's modulus (MCFC and VCFC 256, packet sequence count 16 384), so cycling it keeps every
// count continuous: SCS sees a clean link with no sequence errors however long the run.
import { FrameType } from '../../src/ccsds/frame.ts';
import { PacketFramer } from '../../src/ccsds/framer.ts';

export const POOL_FRAMES = 16_384;
/** An APID the demo mission database does not decommutate: its packets go to the packets ring only. */
export const BENCH_APID = 200;
export const BENCH_VCID = 0;
export const BENCH_SCID = 42;

export interface FramePool {
  /** POOL_FRAMES CADUs back to back. */
  bytes: Buffer;
  caduBytes: number;
  frameLength: number;
}

export function buildFramePool(frameLength: number): FramePool {
  const framer = new PacketFramer({ type: FrameType.TM, frameLength, scid: BENCH_SCID, fecf: true });
  const packetBytes = framer.dataLength; // exactly one packet per frame
  const cadus: Uint8Array[] = [];
  for (let i = 0; i < POOL_FRAMES; i++) {
    const p = new Uint8Array(packetBytes);
    const ssc = i & 0x3fff;
    p[0] = BENCH_APID >>> 8; // version 0, TM, no secondary header
    p[1] = BENCH_APID & 0xff;
    p[2] = 0xc0 | (ssc >>> 8); // unsegmented
    p[3] = ssc & 0xff;
    p[4] = (packetBytes - 7) >>> 8;
    p[5] = (packetBytes - 7) & 0xff;
    for (let j = 6; j < packetBytes; j++) p[j] = (i * 31 + j) & 0xff;
    for (const out of framer.packet(BENCH_VCID, p)) cadus.push(out.cadu);
  }
  const caduBytes = cadus[0]!.length;
  const bytes = Buffer.allocUnsafe(caduBytes * cadus.length);
  cadus.forEach((c, i) => {
    bytes.set(c, i * caduBytes);
  });
  return { bytes, caduBytes, frameLength };
}
