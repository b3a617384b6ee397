// Errors of the downlink link transports. Link failures at run time (a refused connection, a
// dropped front end, an unreadable file) are not thrown: they take the link down with a reason
// and are counted in its stats; these codes are for configuration and API misuse.
import { CodedError } from '../util/coded-error.ts';

export const LinkErrorCode = {
  /** The link transport configuration is inconsistent (e.g. a frame file without a record length). */
  ERR_LINK_CONFIG: 'ERR_LINK_CONFIG',
  /** A link was started twice, or after it was stopped. */
  ERR_LINK_STATE: 'ERR_LINK_STATE',
  /** A packet file could not be decoded (reported as the link's lastErrorCode, not thrown). */
  ERR_LINK_FILE_FORMAT: 'ERR_LINK_FILE_FORMAT',
  /** A socket or file operation failed (reported as the link's lastErrorCode, not thrown). */
  ERR_LINK_IO: 'ERR_LINK_IO',
} as const;
export type LinkErrorCode = (typeof LinkErrorCode)[keyof typeof LinkErrorCode];

export class LinkError extends CodedError<LinkErrorCode> {}
