// connect() options, checked and with their defaults filled in.
import { type Clock, systemClock } from '../util/clock.ts';
import { type Backoff, backoffOptions } from './backoff.ts';
import { SdkError, SdkErrorCode } from './errors.ts';
import type { ServerAddress, SessionOptions } from './types.ts';

export interface Settings {
  servers: Required<ServerAddress>[];
  agency: string;
  token: string | undefined;
  client: string;
  backoff: Backoff;
  connectTimeoutMs: number;
  answerTimeoutMs: number;
  highWaterMark: number;
  clock: Clock;
  random: () => number;
}

export function settings(opts: SessionOptions): Settings {
  const bad = (message: string) => new SdkError(SdkErrorCode.CONFIG, message);
  if (!Array.isArray(opts.servers) || opts.servers.length === 0)
    throw bad('servers: at least one is required');
  const servers = opts.servers.map((s, i) => {
    if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65_535)
      throw bad(`servers.${i}.port: must be 1 … 65535`);
    return { host: s.host ?? '127.0.0.1', port: s.port };
  });
  if (typeof opts.agency !== 'string' || opts.agency === '') throw bad('agency: required');
  const client = opts.client ?? 'scs-sdk';
  if (client.length === 0 || client.length > 64) throw bad('client: 1 … 64 characters');
  return {
    servers,
    agency: opts.agency,
    token: opts.token,
    client,
    backoff: backoffOptions(opts.reconnect),
    connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
    answerTimeoutMs: opts.answerTimeoutMs ?? 15_000,
    highWaterMark: Math.max(1, opts.highWaterMark ?? 256),
    clock: opts.clock ?? systemClock,
    random: opts.random ?? Math.random,
  };
}
