// `scs fetch`: the same exports as `scs export`, through the network as an ICD client
// (`mode: archive`), so a remote agency gets files without access to the server machine.
import type { AnyRecord } from '../../protocol/types.ts';
import type { ExportOutput } from '../export/run.ts';
import { archiveRequest, type ExportSpec, recordFilter } from '../export/spec.ts';
import { NakError, SdkError, SdkErrorCode, Session } from '../sdk/index.ts';
import { ExitCode } from './errors.ts';
import {
  exitCodeOf as exportExitCode,
  exportWithProgress,
  outputOf,
  readerGone,
  SPEC_HELP,
  SPEC_OPTIONS,
  specFromArgs,
} from './export.ts';
import { type CliIo, errorLine, usage, wholeNumber } from './io.ts';
import { parseOptions } from './options.ts';

export const help = `Usage: scs fetch --from T [options]

Requests archived records of one stream from a server (ICD mode archive) and writes them,
in time order, like scs export. A progress bar shows on stderr when it is a terminal.

  --host H        server host (default 127.0.0.1)
  --port N        server port (default 7300)
  --agency A      agency id (or env SCS_AGENCY)
  --token T       agency token (or env SCS_TOKEN, which other users cannot see in ps)
  --client NAME   client name in the server's logs (default scs-fetch)
  --speed K       pacing, K × real time, 0 … 40 (default 0: as fast as it can be written)
${SPEC_HELP}
  --help          this text

--station and --good are applied here, the other filters by the server. A file is written
as PATH.part and renamed when the server's END arrives; nothing is left on a failure.
Exit codes: 0 done (also when no record matched, or stdout closed by its reader as with
| head), 1 failure (output not writable,
interrupted, bad answer), 2 usage, 3 refused by the server (NAK, e.g. FORBIDDEN,
ARCHIVE_UNAVAILABLE), 4 no server or connection lost.`;

const OPTIONS = {
  ...SPEC_OPTIONS,
  host: { type: 'string' },
  port: { type: 'string' },
  agency: { type: 'string' },
  token: { type: 'string' },
  client: { type: 'string' },
  speed: { type: 'string' },
} as const;

function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof NakError) return ExitCode.REFUSED;
  if (
    err instanceof SdkError &&
    (err.code === SdkErrorCode.NO_SERVER || err.code === SdkErrorCode.CONNECTION_LOST)
  ) {
    return ExitCode.LOST;
  }
  return exportExitCode(err);
}

async function* fetched(
  session: Session,
  spec: ExportSpec,
  speed: number | undefined,
): AsyncGenerator<AnyRecord> {
  const keep = recordFilter(spec);
  const request = { ...archiveRequest(spec), ...(speed === undefined ? {} : { speed }) };
  for await (const record of session.request(request)) {
    // The SDK marks records older than the ACK as catch-up; an archive file has no such field,
    // and fetch writes what export writes.
    delete (record as { catchUp?: true }).catchUp;
    if (keep === null || keep(record)) yield record;
  }
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let session: Session | undefined;
  let output: ExportOutput | undefined;
  try {
    const { values: v } = parseOptions({
      args: argv,
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    if (v.help) {
      io.stdout.write(`${help}\n`);
      return ExitCode.OK;
    }
    const env = io.env ?? process.env;
    const agency = v.agency ?? env.SCS_AGENCY;
    if (!agency) throw usage('--agency (or env SCS_AGENCY) is required');
    const token = v.token ?? env.SCS_TOKEN;
    if (!token) throw usage('--token (or env SCS_TOKEN) is required');
    let speed: number | undefined;
    if (v.speed !== undefined) {
      speed = Number(v.speed);
      if (!(speed >= 0 && speed <= 40)) throw usage(`--speed must be a number 0 … 40, got '${v.speed}'`);
    }
    const spec = specFromArgs(v, Date.now() * 1000);
    output = outputOf(spec, v.out, io);
    session = new Session({
      servers: [
        {
          host: v.host ?? '127.0.0.1',
          port: v.port === undefined ? 7300 : wholeNumber('port', v.port, 1, 65_535),
        },
      ],
      agency,
      token,
      client: v.client ?? 'scs-fetch',
      // An archive request is not resumed: a loss fails the fetch (and removes the partial file).
      reconnect: false,
    });
    const s = session;
    const onAbort = () => void s.close();
    io.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await exportWithProgress('fetch', fetched(s, spec, speed), spec, output, io, v.quiet ?? false);
    } finally {
      io.signal?.removeEventListener('abort', onAbort);
    }
    return ExitCode.OK;
  } catch (err) {
    if (readerGone(err, output)) return ExitCode.OK;
    errorLine(io, 'fetch', err instanceof NakError ? `${err.code}: ${err.reason}` : (err as Error).message);
    return exitCodeOf(err);
  } finally {
    await session?.close();
  }
}
