// `scs tail`: live records of one stream, as text lines or JSON Lines, through the SDK
// (so it reconnects, fails over and reports freshness like any SDK user).
import { SEVERITIES, type Severity, STREAMS, type Stream } from '../../protocol/constants.ts';
import { NakError, SdkError, SdkErrorCode, Session, type SessionRequest } from '../sdk/index.ts';
import { ExitCode } from './errors.ts';
import { type CliIo, errorLine, isUsageError, usage, wholeNumber, writeOut } from './io.ts';
import { parseOptions } from './options.ts';
import { humanLine, jsonLine } from './tail-format.ts';

export const help = `Usage: scs tail [options]

Prints live records of one stream as they arrive, one per line.

  --stream S      frames | packets | parameters | events (default parameters)
  --param GLOB    parameters: a name or a glob with *, repeatable
  --vcid N        frames, packets: virtual channel id, repeatable
  --apid N        packets: APID, repeatable
  --severity S    events: minimum severity, INFO | WARNING | ALARM | CRITICAL
  --rate HZ       parameters: at most HZ samples per second per parameter
  --host H        server host (default 127.0.0.1)
  --port N        server port (default 7300)
  --agency A      agency id (or env SCS_AGENCY)
  --token T       agency token (or env SCS_TOKEN, which other users cannot see in ps)
  --client NAME   client name in the server's logs (default scs-tail)
  --count N       exit after N records
  --retries N     reconnect rounds after a loss before giving up (default 5; 0: exit at once)
  --json          JSON Lines, bytes as base64
  --quiet         no notices on stderr (connections, freshness, gaps), errors only
  --help          this text

Notices (connected, stale, lost, gaps, skipped records) go to stderr.
Exit codes: 0 done (--count reached or interrupted), 2 usage, 3 refused by the
server (NAK, e.g. AUTH_FAILED), 4 no server or connection lost, 1 other failure.`;

const OPTIONS = {
  stream: { type: 'string' },
  param: { type: 'string', multiple: true },
  vcid: { type: 'string', multiple: true },
  apid: { type: 'string', multiple: true },
  severity: { type: 'string' },
  rate: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  agency: { type: 'string' },
  token: { type: 'string' },
  client: { type: 'string' },
  count: { type: 'string' },
  retries: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

interface TailArgs {
  help: boolean;
  host: string;
  port: number;
  agency: string;
  token: string;
  client: string;
  request: SessionRequest;
  count: number;
  retries: number;
  json: boolean;
  quiet: boolean;
}

/** Which stream each filter option applies to (the server would NAK any other, ICD §5). */
const FILTER_STREAMS: Record<string, readonly Stream[]> = {
  param: ['parameters'],
  rate: ['parameters'],
  vcid: ['frames', 'packets'],
  apid: ['packets'],
  severity: ['events'],
};

function parse(argv: string[], env: Record<string, string | undefined>): TailArgs | { help: true } {
  const { values: v } = parseOptions({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (v.help) return { help: true };
  const stream = (v.stream ?? 'parameters') as Stream;
  if (!STREAMS.includes(stream))
    throw usage(`--stream must be one of ${STREAMS.join(', ')}, got '${v.stream}'`);
  for (const [option, streams] of Object.entries(FILTER_STREAMS)) {
    if (v[option as keyof typeof v] !== undefined && !streams.includes(stream)) {
      throw usage(`--${option} applies to --stream ${streams.join(' or ')}, not ${stream}`);
    }
  }
  const agency = v.agency ?? env.SCS_AGENCY;
  if (!agency) throw usage('--agency (or env SCS_AGENCY) is required');
  const token = v.token ?? env.SCS_TOKEN;
  if (!token) throw usage('--token (or env SCS_TOKEN) is required');
  const filter: NonNullable<SessionRequest['filter']> = {};
  if (v.param) filter.parameters = v.param;
  if (v.vcid) filter.vcids = v.vcid.map((x) => wholeNumber('vcid', x, 0, 63));
  if (v.apid) filter.apids = v.apid.map((x) => wholeNumber('apid', x, 0, 2047));
  if (v.severity !== undefined) {
    const severity = v.severity.toUpperCase() as Severity;
    if (!SEVERITIES.includes(severity)) throw usage(`--severity must be one of ${SEVERITIES.join(', ')}`);
    filter.severity = severity;
  }
  const request: SessionRequest = { stream, mode: 'realtime' };
  if (Object.keys(filter).length > 0) request.filter = filter;
  if (v.rate !== undefined) {
    const rate = Number(v.rate);
    if (!(rate > 0) || !Number.isFinite(rate)) throw usage(`--rate must be a number > 0, got '${v.rate}'`);
    request.rateHz = rate;
  }
  return {
    help: false,
    host: v.host ?? '127.0.0.1',
    port: v.port === undefined ? 7300 : wholeNumber('port', v.port, 1, 65_535),
    agency,
    token,
    client: v.client ?? 'scs-tail',
    request,
    count: v.count === undefined ? Number.POSITIVE_INFINITY : wholeNumber('count', v.count, 1),
    retries: v.retries === undefined ? 5 : wholeNumber('retries', v.retries),
    json: v.json ?? false,
    quiet: v.quiet ?? false,
  };
}

function exitCodeOf(err: unknown): ExitCode {
  if (isUsageError(err)) return ExitCode.USAGE;
  if (err instanceof NakError) return ExitCode.REFUSED;
  if (
    err instanceof SdkError &&
    (err.code === SdkErrorCode.NO_SERVER || err.code === SdkErrorCode.CONNECTION_LOST)
  ) {
    return ExitCode.LOST;
  }
  return ExitCode.FAILURE;
}

/** What a server's BYE reason means for the person reading the tail. */
const BYE_WORDS: Readonly<Record<string, string>> = {
  SHUTDOWN: 'the server is shutting down',
  SLOW_CONSUMER: 'this tail read too slowly for its delivery',
};

function inWords(message: string): string {
  const bye = /BYE (\w+)/.exec(message)?.[1];
  const words = bye === undefined ? undefined : BYE_WORDS[bye];
  return words === undefined ? message : `${message} (${words})`;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let args: TailArgs | { help: true };
  try {
    args = parse(argv, io.env ?? process.env);
  } catch (err) {
    errorLine(io, 'tail', (err as Error).message);
    return exitCodeOf(err);
  }
  if (args.help) {
    io.stdout.write(`${help}\n`);
    return ExitCode.OK;
  }
  const a = args;
  const session = new Session({
    servers: [{ host: a.host, port: a.port }],
    agency: a.agency,
    token: a.token,
    client: a.client,
    reconnect: a.retries === 0 ? false : { maxRounds: a.retries },
  });
  const notice = (text: string) => {
    if (!a.quiet) errorLine(io, 'tail', text);
  };
  session.on('connect', (c) => notice(`connected to ${c.server.host}:${c.server.port} as ${c.clientId}`));
  // Once we end the session ourselves, its going 'lost' is no news.
  let ending = false;
  // Only freshness that means trouble: the feed lost, and live again after that. stale and live
  // alternate with every quiet spell of a sparse stream (events, a narrow filter): no news.
  let wasLost = false;
  session.on('freshness', (state) => {
    if (ending) return;
    if (state === 'lost') {
      wasLost = true;
      notice('lost');
    } else if (state === 'live' && wasLost) {
      wasLost = false;
      notice('live');
    }
  });
  session.on('disconnect', (d) => {
    if (!ending && d.error) notice(`disconnected: ${inWords(d.error.message)}`);
  });
  session.on('reconnecting', (r) => notice(`reconnecting in ${r.delayMs} ms (round ${r.round})`));
  session.on('gap', (g) => {
    const after = g.afterSeq === undefined ? '' : ` after seq ${g.afterSeq}`;
    notice(`gap: records${after} may have been missed (${g.reason})`);
  });
  session.on('skipped', (n) => notice(`the server skipped ${n} records (reading too slowly)`));

  // A reader that went away (`scs tail | head`) is a normal end, not a failure.
  let readerGone = false;
  io.stdout.on?.('error', () => {
    readerGone = true;
    ending = true;
    void session.close();
  });
  const onAbort = () => {
    ending = true;
    void session.close();
  };
  io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (io.signal?.aborted) return ExitCode.OK;
    let n = 0;
    for await (const record of session.request(a.request)) {
      await writeOut(io.stdout, `${a.json ? jsonLine(record) : humanLine(a.request.stream, record)}\n`);
      if (++n >= a.count || readerGone) {
        ending = true; // --count reached: the end of the session is ours, not news
        break;
      }
    }
    return ExitCode.OK;
  } catch (err) {
    errorLine(io, 'tail', (err as Error).message);
    return exitCodeOf(err);
  } finally {
    ending = true;
    io.signal?.removeEventListener('abort', onAbort);
    await session.close();
  }
}
