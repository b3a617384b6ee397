// Builders for the CCSDS shapes the simulator downlinks: TM transfer frames (CCSDS 132.0)
// carrying space packets (CCSDS 133.0) whose secondary header is an 8-byte time (µs, big-endian).
import { crc16Ccitt } from './crc16.ts';

export const PACKET_HEADER_BYTES = 6;
export const PACKET_TIME_BYTES = 8;
export const FRAME_HEADER_BYTES = 6;
export const FECF_BYTES = 2;
/** The smallest idle packet: a header and one byte of data (the length field counts data bytes − 1). */
const MIN_IDLE_PACKET_BYTES = PACKET_HEADER_BYTES + 1;
export const IDLE_APID = 0x7ff;
/** First-header pointer of a frame whose data field holds only idle data. */
export const FHP_IDLE_ONLY = 0x7fe;
export const MAX_SCID = 0x3ff;
export const MAX_VCID = 7;
export const MAX_FRAME_BYTES = 65_536;
const IDLE_PATTERN = 0x55;

function frameDataCapacity(frameLength: number): number {
  return frameLength - FRAME_HEADER_BYTES - FECF_BYTES;
}

/**
 * Whether packets totalling `packetBytes` fit a frame's data field such that the space
 * left is either none or enough for an idle packet (a frame never ends in a stub no
 * packet parser could read).
 */
export function fitsFrame(frameLength: number, packetBytes: number): boolean {
  const rest = frameDataCapacity(frameLength) - packetBytes;
  return rest === 0 || rest >= MIN_IDLE_PACKET_BYTES;
}

/** Writes a TM space packet primary header (unsegmented) for a packet of `totalBytes`. */
export function writePacketHeader(
  view: DataView,
  offset: number,
  apid: number,
  ssc: number,
  totalBytes: number,
  secondaryHeader: boolean,
): void {
  view.setUint16(offset, ((secondaryHeader ? 1 : 0) << 11) | (apid & 0x7ff));
  view.setUint16(offset + 2, (0b11 << 14) | (ssc & 0x3fff));
  view.setUint16(offset + 4, totalBytes - PACKET_HEADER_BYTES - 1);
}

export interface FrameHeader {
  scid: number;
  vcid: number;
  /** Master channel frame count, mod 256. */
  mcfc: number;
  /** Virtual channel frame count, mod 256. */
  vcfc: number;
}

/**
 * Completes a transfer frame in `frame` (its whole length is the frame length) whose data
 * field already holds `packetBytes` bytes of whole packets starting at the first byte:
 * writes the primary header, fills the rest of the data field with an idle packet (or
 * idle pattern when there are no packets) and appends the CRC-16 FECF.
 */
export function finishFrame(frame: Uint8Array, header: FrameHeader, packetBytes: number): void {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const dataStart = FRAME_HEADER_BYTES;
  const dataEnd = frame.byteLength - FECF_BYTES;
  view.setUint16(0, ((header.scid & MAX_SCID) << 4) | ((header.vcid & MAX_VCID) << 1));
  view.setUint8(2, header.mcfc & 0xff);
  view.setUint8(3, header.vcfc & 0xff);
  // Data field status: no secondary header, packets in forward order, segment length id 0b11.
  const fhp = packetBytes > 0 ? 0 : FHP_IDLE_ONLY;
  view.setUint16(4, (0b11 << 11) | fhp);
  const fillStart = dataStart + packetBytes;
  if (packetBytes > 0 && fillStart < dataEnd) {
    writePacketHeader(view, fillStart, IDLE_APID, 0, dataEnd - fillStart, false);
    frame.fill(IDLE_PATTERN, fillStart + PACKET_HEADER_BYTES, dataEnd);
  } else {
    frame.fill(IDLE_PATTERN, fillStart, dataEnd);
  }
  view.setUint16(dataEnd, crc16Ccitt(frame, 0, dataEnd));
}
