// Shared by the CCSDS tests: hand-made space packets and a collecting pipeline output.
import type { FrameIn, PacketIn } from '../../src/acquisition/source.ts';
import type { Clcw } from '../../src/ccsds/frame.ts';
import type { DownlinkOutput } from '../../src/ccsds/pipeline.ts';

/** A TM space packet (CCSDS 133.0 layout): version 0, type 0, unsegmented, `dataLength` data octets. */
export function makePacket(
  apid: number,
  ssc: number,
  dataLength: number,
  fill = (i: number) => (i * 7 + apid) & 0xff,
): Uint8Array {
  const p = new Uint8Array(6 + dataLength);
  p[0] = (apid >>> 8) & 0x07;
  p[1] = apid & 0xff;
  p[2] = 0xc0 | ((ssc >>> 8) & 0x3f);
  p[3] = ssc & 0xff;
  p[4] = ((dataLength - 1) >>> 8) & 0xff;
  p[5] = (dataLength - 1) & 0xff;
  for (let i = 0; i < dataLength; i++) p[6 + i] = fill(i);
  return p;
}

export class Collect implements DownlinkOutput {
  readonly frames: FrameIn[] = [];
  readonly packets: PacketIn[] = [];
  readonly clcws: Clcw[] = [];

  frame(f: FrameIn): void {
    this.frames.push({ ...f, data: f.data.slice() });
  }

  packet(p: PacketIn): void {
    this.packets.push({ ...p, data: p.data.slice() });
  }

  clcw(c: Clcw): void {
    this.clcws.push(c);
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}
