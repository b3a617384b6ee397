// Packet-file rows: an archived packet (ICD §6 map) as an annotated record (src/files/README.md).
import type { PacketRecord } from '../../protocol/types.ts';
import { encodePacketRecord } from '../files/packet-file.ts';

/** The archive's packets carry no vcfc: the record's vcfc flag stays clear. */
export function packetRow(p: PacketRecord): Uint8Array {
  return encodePacketRecord({
    ert: p.ert,
    scet: p.scet,
    station: p.station,
    scid: p.scid,
    vcid: p.vcid,
    apid: p.apid,
    ssc: p.ssc,
    quality: p.quality,
    data: p.data,
  });
}
