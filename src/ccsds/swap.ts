// Byte- and word-swap correction of space packets whose flight software writes little-endian
// words: applied to the packet data field (after the 6-octet primary header) before anything reads
// it (time code, decommutation).
import { CcsdsError, CcsdsErrorCode } from './errors.ts';
import { PACKET_PRIMARY_HEADER_BYTES } from './packets.ts';

export const PacketSwap = {
  /** Swap the two octets of every 16-bit word: AB CD → BA DC. */
  BYTES: 'bytes',
  /** Swap the two 16-bit halves of every 32-bit word: AB CD → CD AB. */
  WORDS: 'words',
  /** Both: reverse every 32-bit word: ABCD → DCBA. */
  BOTH: 'both',
} as const;
export type PacketSwap = (typeof PacketSwap)[keyof typeof PacketSwap];

const SWAPS: ReadonlySet<string> = new Set(Object.values(PacketSwap));

export function checkSwap(apid: number, swap: string): void {
  if (!SWAPS.has(swap)) {
    throw new CcsdsError(
      CcsdsErrorCode.ERR_SWAP,
      `APID ${apid}: swap ${swap} is not one of ${[...SWAPS].join(', ')}`,
    );
  }
}

/**
 * Swaps `packet` in place. Octets past the last whole word (16 bits for BYTES, 32 for WORDS and
 * BOTH) are left as they are: the flight system cannot have swapped a partial word.
 */
export function swapPacket(packet: Uint8Array, swap: PacketSwap): void {
  const start = PACKET_PRIMARY_HEADER_BYTES;
  const n = packet.length - start;
  if (swap === PacketSwap.BYTES) {
    for (let i = start, end = start + (n & ~1); i < end; i += 2) {
      const a = packet[i]!;
      packet[i] = packet[i + 1]!;
      packet[i + 1] = a;
    }
    return;
  }
  const both = swap === PacketSwap.BOTH;
  for (let i = start, end = start + (n & ~3); i < end; i += 4) {
    const a = packet[i]!;
    const b = packet[i + 1]!;
    if (both) {
      packet[i] = packet[i + 3]!;
      packet[i + 1] = packet[i + 2]!;
      packet[i + 2] = b;
      packet[i + 3] = a;
    } else {
      packet[i] = packet[i + 2]!;
      packet[i + 1] = packet[i + 3]!;
      packet[i + 2] = a;
      packet[i + 3] = b;
    }
  }
}
