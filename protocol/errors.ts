// Errors of the wire stage: frame-level failures (ProtocolError), a server's NAK as
// seen by the client (NakError), and client-side session failures (ClientError).
import { NakCode } from './constants.ts';

export const ProtocolErrorCode = {
  ERR_MALFORMED: 'ERR_MALFORMED',
  ERR_TOO_LARGE: 'ERR_TOO_LARGE',
  ERR_UNSUPPORTED_VERSION: 'ERR_UNSUPPORTED_VERSION',
  ERR_BAD_CRC: 'ERR_BAD_CRC',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** The ICD NAK code a server answers for each frame-level failure (a CRC mismatch is MALFORMED, ICD §2). */
const NAK_OF: Record<ProtocolErrorCode, NakCode> = {
  ERR_MALFORMED: NakCode.MALFORMED,
  ERR_BAD_CRC: NakCode.MALFORMED,
  ERR_TOO_LARGE: NakCode.TOO_LARGE,
  ERR_UNSUPPORTED_VERSION: NakCode.UNSUPPORTED_VERSION,
};

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }

  get nakCode(): NakCode {
    return NAK_OF[this.code];
  }
}

/** A NAK received by the client; `code` is the ICD NAK code (kept as sent, so future codes survive). */
export class NakError extends Error {
  readonly code: string;
  readonly reason: string;
  readonly requestSeq: number | undefined;

  constructor(code: string, reason: string, requestSeq?: number) {
    super(`NAK ${code}: ${reason}`);
    this.name = 'NakError';
    this.code = code;
    this.reason = reason;
    this.requestSeq = requestSeq;
  }
}

export const ClientErrorCode = {
  /** The connection closed before the awaited answer arrived. */
  ERR_CLOSED: 'ERR_CLOSED',
  /** No TCP connection within `timeoutMs`. */
  ERR_CONNECT_TIMEOUT: 'ERR_CONNECT_TIMEOUT',
  /** Nothing received for 2 × heartbeatMs + 1 s after an ACK (ICD §7). */
  ERR_SERVER_LOST: 'ERR_SERVER_LOST',
  /** The server sent a message the client cannot interpret (e.g. an ACK body that is not a map). */
  ERR_BAD_MESSAGE: 'ERR_BAD_MESSAGE',
  /** The peer does not speak ICD-001 (e.g. it answered in HTTP: an ops port). */
  ERR_NOT_ICD: 'ERR_NOT_ICD',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export class ClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClientError';
    this.code = code;
  }
}
