import type { NakCode } from '../../protocol/constants.ts';
import { CodedError } from '../util/coded-error.ts';

export const ActorErrorCode = {
  /** A `since` backfill step did not advance its cursor: a bug, ended with NAK INTERNAL, never a spin. */
  ERR_BACKFILL_STALLED: 'ERR_BACKFILL_STALLED',
  /** A session refused after its ACK (e.g. a `since` replay that turned out to need the archive). */
  ERR_REFUSED: 'ERR_REFUSED',
} as const;
export type ActorErrorCode = (typeof ActorErrorCode)[keyof typeof ActorErrorCode];

export class ActorError extends CodedError<ActorErrorCode> {}

/** A refusal raised where only a throw reaches the session: it answers NAK `nak` with the message. */
export class Refusal extends ActorError {
  readonly nak: NakCode;

  constructor(nak: NakCode, reason: string) {
    super(ActorErrorCode.ERR_REFUSED, reason);
    this.nak = nak;
  }
}
