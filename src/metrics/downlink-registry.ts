// Prometheus series of the downlink (links, virtual channels, decommutation), read from the
// acquisition thread's shared buffer at every scrape.
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  type DecomField,
  type DownlinkMetricsBuffers,
  DownlinkMetricsReader,
  type LinkField,
  type VcField,
} from './downlink.ts';

const LINK_GAUGES: readonly [string, string, LinkField][] = [
  ['scs_link_up', 'Link state: 1 up, 0 down', 'up'],
  ['scs_link_sync_locked', 'Frame synchroniser locked on the link: 1 yes, 0 searching', 'syncLocked'],
];

const LINK_COUNTERS: readonly [string, string, LinkField][] = [
  ['scs_link_bytes_total', 'Bytes received on the link', 'bytes'],
  ['scs_link_code_blocks_total', 'Code blocks (CADUs) synchronised or received', 'blocks'],
  ['scs_link_frames_total', 'Transfer frames delivered (good and bad)', 'frames'],
  ['scs_link_bad_frames_total', 'Frames with a CRC, Reed-Solomon or header error', 'badFrames'],
  ['scs_link_crc_errors_total', 'Frames failing the FECF check', 'crcErrors'],
  [
    'scs_link_header_errors_total',
    'Frames with a bad header (version, spacecraft id, length)',
    'headerErrors',
  ],
  ['scs_link_rs_corrected_symbols_total', 'Reed-Solomon symbols corrected', 'rsCorrectedSymbols'],
  [
    'scs_link_rs_uncorrectable_frames_total',
    'Frames Reed-Solomon could not correct',
    'rsUncorrectableFrames',
  ],
  ['scs_link_idle_frames_total', 'Idle frames dropped', 'idleFrames'],
  ['scs_link_unselected_frames_total', 'Good frames of VCs outside the selection', 'unselectedFrames'],
  ['scs_link_vc_sequence_errors_total', 'VC frame count discontinuities', 'vcSequenceErrors'],
  ['scs_link_inverted_frames_total', 'Frames received with inverted polarity', 'invertedFrames'],
  ['scs_link_garbage_bytes_total', 'Bytes skipped while searching for the sync marker', 'garbageBytes'],
  ['scs_link_sync_losses_total', 'Times the synchroniser lost lock', 'lockLosses'],
  ['scs_link_packets_total', 'Space packets delivered', 'packets'],
  ['scs_link_idle_packets_total', 'Idle packets dropped', 'idlePackets'],
  ['scs_link_incomplete_packets_total', 'Packets cut by a frame gap, delivered padded', 'incompletePackets'],
  ['scs_link_packet_header_errors_total', 'Packets with a bad primary header', 'packetHeaderErrors'],
  ['scs_link_packet_sequence_errors_total', 'Packet sequence count discontinuities', 'packetSequenceErrors'],
  [
    'scs_link_length_mismatches_total',
    'Packets whose length does not match their mission database container (declared length, or shorter than its entries)',
    'lengthMismatches',
  ],
  ['scs_link_ups_total', 'Transitions of the link to up', 'linkUps'],
  ['scs_link_downs_total', 'Transitions of the link to down', 'linkDowns'],
  [
    'scs_link_connect_failures_total',
    'Failed connect, listen or bind attempts of the transport',
    'connectFailures',
  ],
  [
    'scs_link_connections_refused_total',
    'Second front ends refused by a tcp-server link',
    'connectionsRefused',
  ],
  [
    'scs_link_connections_replaced_total',
    'Front ends dropped for a newer one by a tcp-server link',
    'connectionsReplaced',
  ],
  [
    'scs_link_skipped_bytes_total',
    'File replay bytes skipped (partial records, undecodable packet files)',
    'skippedBytes',
  ],
];

const VC_COUNTERS: readonly [string, string, VcField][] = [
  ['scs_vc_frames_total', 'Frames of the virtual channel (good and bad)', 'frames'],
  ['scs_vc_bad_frames_total', 'Bad frames claiming the virtual channel', 'badFrames'],
  ['scs_vc_rs_corrected_symbols_total', 'Reed-Solomon symbols corrected in the VC', 'rsCorrectedSymbols'],
  ['scs_vc_sequence_errors_total', 'VC frame count discontinuities', 'sequenceErrors'],
];

const DECOM_COUNTERS: readonly [string, string, DecomField][] = [
  ['scs_decom_packets_total', 'Packets given to decommutation', 'packets'],
  [
    'scs_decom_unknown_apid_packets_total',
    'Packets of an APID the mission database has no container for',
    'unknownApid',
  ],
  ['scs_decom_samples_total', 'Parameter samples produced', 'samples'],
  ['scs_decom_out_of_packet_samples_total', 'Samples past the end of a short packet', 'outOfPacket'],
  ['scs_decom_invalid_value_samples_total', 'Samples without a finite value', 'invalidValue'],
  ['scs_decom_unknown_state_samples_total', 'Discrete samples without a state text', 'unknownState'],
  ['scs_decom_invalid_input_samples_total', 'Derived samples computed from flagged inputs', 'invalidInput'],
  ['scs_decom_limit_events_total', 'Limit events raised', 'events'],
];

export function registerDownlinkMetrics(registry: Registry, buffers: DownlinkMetricsBuffers): void {
  const reader = new DownlinkMetricsReader(buffers);
  const registers = [registry];
  const links = reader.links;
  for (const [name, help, field] of LINK_GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ['link', 'station'],
      registers,
      collect() {
        for (const [i, l] of links.entries())
          this.set({ link: l.id, station: l.station }, reader.link(i, field));
      },
    });
  }
  for (const [name, help, field] of LINK_COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['link', 'station'],
      registers,
      collect() {
        // Counter has no set(): rebuild it from the shared totals on every scrape.
        this.reset();
        for (const [i, l] of links.entries())
          this.inc({ link: l.id, station: l.station }, reader.link(i, field));
      },
    });
  }
  for (const [name, help, field] of VC_COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['link', 'station', 'vcid'],
      registers,
      collect() {
        this.reset();
        for (const [i, l] of links.entries()) {
          for (const v of reader.activeVcs(i)) {
            this.inc({ link: l.id, station: l.station, vcid: v }, reader.vc(i, v, field));
          }
        }
      },
    });
  }
  new Gauge({
    name: 'scs_vc_frame_rate',
    help: 'Frames per second of the virtual channel over the last second or more',
    labelNames: ['link', 'station', 'vcid'],
    registers,
    collect() {
      this.reset();
      for (const [i, l] of links.entries()) {
        for (const v of reader.activeVcs(i)) {
          this.set({ link: l.id, station: l.station, vcid: v }, reader.vc(i, v, 'frameRate'));
        }
      }
    },
  });
  for (const [name, help, field] of DECOM_COUNTERS) {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(reader.decom(field));
      },
    });
  }
}
