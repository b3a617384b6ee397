// The SCS client SDK: connect(), Session, typed records, freshness, errors.
export type {
  EventRecord,
  FrameRecord,
  HeartbeatBody,
  PacketRecord,
  ParameterRecord,
} from '../../protocol/types.ts';
export { NakError, SdkError, SdkErrorCode } from './errors.ts';
export { connect, Session } from './session.ts';
export {
  type CatchUpMark,
  type ConnectInfo,
  type DisconnectInfo,
  Freshness,
  type GapInfo,
  type ReconnectOptions,
  type RecordOf,
  type ServerAddress,
  type SessionEvents,
  type SessionOptions,
  type SessionRequest,
} from './types.ts';
