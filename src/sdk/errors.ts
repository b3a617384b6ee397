// Errors of the SDK. A server's NAK surfaces as protocol/errors.ts NakError (its `code` is
// the ICD NAK code); everything the SDK itself decides is an SdkError with an ERR_* code.
import { NakError } from '../../protocol/errors.ts';
import { CodedError } from '../util/coded-error.ts';

export { NakError };

export const SdkErrorCode = {
  /** connect() options are not usable (no server, bad port, empty agency…). */
  CONFIG: 'ERR_SDK_CONFIG',
  /** Every configured server failed, in every reconnect round allowed. */
  NO_SERVER: 'ERR_NO_SERVER',
  /** The connection ended and the request cannot be resumed (reconnect off, or an archive request). */
  CONNECTION_LOST: 'ERR_CONNECTION_LOST',
  /** The server sent something ICD-001 does not allow (e.g. DATA of another stream). */
  PROTOCOL: 'ERR_SDK_PROTOCOL',
  /** request() while another request of the session is still being iterated. */
  BUSY: 'ERR_SESSION_BUSY',
  /** The session was closed. */
  CLOSED: 'ERR_SESSION_CLOSED',
} as const;
export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];

export class SdkError extends CodedError<SdkErrorCode> {}

/** The NakError of a NAK body (ICD §3), whatever the server put in it. */
export function nakOf(body: Record<string, unknown> | undefined): NakError {
  const code = typeof body?.code === 'string' ? body.code : 'UNKNOWN';
  const reason = typeof body?.reason === 'string' ? body.reason : '';
  return new NakError(code, reason, typeof body?.requestSeq === 'number' ? body.requestSeq : undefined);
}
