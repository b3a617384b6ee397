// ICD-001 rev A constants. Binding: every value here is quoted from ../shared/ICD.md.

export const SYNC = 0x1acffc1d;
export const VERSION = 1;
export const HEADER_BYTES = 24;
export const TRAILER_BYTES = 4;
/** Largest body a client may send (ICD §2). */
export const MAX_CLIENT_BODY = 65_536;
/** Largest body the server may send (ICD §2). */
export const MAX_SERVER_BODY = 4 * 1024 * 1024;

export const MessageType = {
  REQUEST: 0x01,
  ACK: 0x02,
  NAK: 0x03,
  DATA: 0x10,
  HEARTBEAT: 0x11,
  END: 0x12,
  PING: 0x20,
  PONG: 0x21,
  BYE: 0x30,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const NakCode = {
  MALFORMED: 'MALFORMED',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  TOO_LARGE: 'TOO_LARGE',
  UNEXPECTED_MESSAGE: 'UNEXPECTED_MESSAGE',
  TIMEOUT: 'TIMEOUT',
  INVALID_REQUEST: 'INVALID_REQUEST',
  AUTH_FAILED: 'AUTH_FAILED',
  FORBIDDEN: 'FORBIDDEN',
  UNKNOWN_PARAMETER: 'UNKNOWN_PARAMETER',
  ARCHIVE_UNAVAILABLE: 'ARCHIVE_UNAVAILABLE',
  AGENCY_FULL: 'AGENCY_FULL',
  SERVER_FULL: 'SERVER_FULL',
  INTERNAL: 'INTERNAL',
} as const;
export type NakCode = (typeof NakCode)[keyof typeof NakCode];

export const Stream = {
  FRAMES: 'frames',
  PACKETS: 'packets',
  PARAMETERS: 'parameters',
  EVENTS: 'events',
} as const;
export type Stream = (typeof Stream)[keyof typeof Stream];
/** Ring/stream index order used everywhere a per-stream array exists. */
export const STREAMS: readonly Stream[] = ['frames', 'packets', 'parameters', 'events'];

export const Mode = { REALTIME: 'realtime', ARCHIVE: 'archive' } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

export const Delivery = { LATEST: 'latest', COMPLETE: 'complete' } as const;
export type Delivery = (typeof Delivery)[keyof typeof Delivery];

export const HeartbeatState = {
  DATA_BREAK: 'DATA_BREAK',
  BUFFER_WAIT: 'BUFFER_WAIT',
  IDLE: 'IDLE',
} as const;
export type HeartbeatState = (typeof HeartbeatState)[keyof typeof HeartbeatState];

export const Limit = {
  OK: 'OK',
  WARN_LOW: 'WARN_LOW',
  WARN_HIGH: 'WARN_HIGH',
  ALARM_LOW: 'ALARM_LOW',
  ALARM_HIGH: 'ALARM_HIGH',
  STATE_ALARM: 'STATE_ALARM',
  UNCHECKED: 'UNCHECKED',
} as const;
export type Limit = (typeof Limit)[keyof typeof Limit];

/** Event severities in ascending order; the index is the ring key used for `filter.severity`. */
export const SEVERITIES = ['INFO', 'WARNING', 'ALARM', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ByeReason = { SHUTDOWN: 'SHUTDOWN', SLOW_CONSUMER: 'SLOW_CONSUMER', CLIENT: 'CLIENT' } as const;

/** Quality bits of frames and packets (ICD §6). */
export const Quality = {
  PACKET_HEADER_ERROR: 1 << 0,
  PACKET_SEQUENCE_ERROR: 1 << 1,
  FRAME_CRC_ERROR: 1 << 2,
  FRAME_ECF_PRESENT: 1 << 3,
  INCOMPLETE_PACKET: 1 << 4,
  VC_SEQUENCE_ERROR: 1 << 5,
  FRAME_HEADER_ERROR: 1 << 6,
  LENGTH_MISMATCH: 1 << 7,
  BITS_REVERSED: 1 << 8,
} as const;

/**
 * Quality bits that say nothing is wrong with the data: bit 3 (the frame carried an error control
 * field, which passed) and bit 8 (the frame arrived inverted and was corrected). Every other bit,
 * the packet and frame errors of ICD §6 and a parameter's decommutation findings (bits 16 up), is
 * an error.
 */
export const INFORMATIONAL_QUALITY = Quality.FRAME_ECF_PRESENT | Quality.BITS_REVERSED;

/** The one definition of good data (export --good, fetch --good, standing orders' goodOnly, the
 * display): no error bit set. */
export function isGoodQuality(quality: number): boolean {
  return (quality & ~INFORMATIONAL_QUALITY) === 0;
}
