// The contract between a downlink link transport and the acquisition side: a Link delivers link
// bytes (or, for packet files, annotated packets) and its up/down state to a LinkSink.
import type { PacketIn } from '../acquisition/source.ts';
import type { Clock } from '../util/clock.ts';
import type { LinkTransportConfig } from './config.ts';
import { FileLink } from './file-link.ts';
import { TcpClientLink } from './tcp-client.ts';
import { TcpServerLink } from './tcp-server.ts';
import { UdpLink } from './udp.ts';

export type {
  FileLinkConfig,
  LinkTransportConfig,
  ReplaySpeed,
  RetryConfig,
  TcpClientLinkConfig,
  TcpServerLinkConfig,
  UdpLinkConfig,
} from './config.ts';
export { linkTransportSchema } from './config.ts';

export interface LinkSink {
  /** 'stream' links: a chunk of the CADU byte stream; 'block' links: exactly one code block. */
  data(bytes: Uint8Array, ertUs: number): void;
  /** An annotated packet read back from a packet file (file replay of packet files). */
  packet(p: PacketIn): void;
  /** Called on every change only (never twice with the same `up`). */
  state(up: boolean, reason: string): void;
  /**
   * File replays only: null when the next delivery may go, else a promise to await before asking
   * again (the archive recorder is behind; src/acquisition/recorder-pace.ts). Live links never wait.
   */
  paced?(): Promise<void> | null;
}

export interface LinkStats {
  up: boolean;
  /** Bytes delivered to data() (stream and block links) or packet bytes (packet files). */
  bytes: number;
  /** data() calls, or packet() calls for packet files. */
  chunks: number;
  /** Times the link went up. */
  connects: number;
  /** Times the link went down after being up. */
  disconnects: number;
  /** tcp-server: connections, udp: datagrams, from addresses outside allowFrom. */
  rejected: number;
  /** tcp-server: second front ends refused (secondConnection 'refuse'). */
  refused: number;
  /** tcp-server: front ends dropped for a newer one (secondConnection 'replace'). */
  replaced: number;
  /** tcp-client: failed connect attempts; tcp-server/udp: failed listen/bind attempts. */
  connectFailures: number;
  /** file: trailing bytes shorter than one record, or undecodable packet-file bytes, skipped. */
  skippedBytes: number;
  /** The bound port (tcp-server, udp) or the remote port (tcp-client), once known. */
  port?: number;
  /** The connected front end, "address:port" (tcp links) or the last datagram's sender (udp). */
  peer?: string;
  lastError?: string;
  /** An ERR_* code from src/links/errors.ts, or the system code (ECONNREFUSED...). */
  lastErrorCode?: string;
}

export interface Link {
  readonly id: string;
  readonly station: string;
  /** Packet files call only packet(); they report 'block'. */
  readonly delivery: 'stream' | 'block';
  start(sink: LinkSink): void;
  /** Idempotent; resolves when nothing more will be delivered. */
  stop(): Promise<void>;
  stats(): LinkStats;
}

/** `cfg` is a schema-validated transport (defaults filled in). Throws LinkError ERR_LINK_CONFIG. */
export function createLink(id: string, station: string, cfg: LinkTransportConfig, clock: Clock): Link {
  switch (cfg.kind) {
    case 'tcp-server':
      return new TcpServerLink(id, station, cfg, clock);
    case 'tcp-client':
      return new TcpClientLink(id, station, cfg, clock);
    case 'udp':
      return new UdpLink(id, station, cfg, clock);
    case 'file':
      return new FileLink(id, station, cfg, clock);
  }
}
