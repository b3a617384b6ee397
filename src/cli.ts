#!/usr/bin/env node
// `scs` command line: serve, token, check-config here, the client commands in src/cli/.
// Errors are one line; exit codes: 0 ok, 1 runtime failure, 2 usage or configuration
// error, 3 refused by the server (NAK), 4 no server or connection lost.
import { parseOptions } from './cli/options.ts';
import { ConfigError } from './config/errors.ts';
import { RuntimeError } from './server/node-check.ts';
import { version } from './version.ts';

// Each command loads its own modules when it runs (import() below), so `scs --help` and the
// client commands never load the server: start-up is what the command needs, not all of SCS.

const HELP: Record<string, string> = {
  main: `Usage: scs <command> [options]

Commands:
  serve             run the distribution server (what npm start runs)
  tail              print live records from a server (human-readable or --json)
  status            show a server's sessions, counters and lag from its ops endpoint
  export            write archived records from the archive file to CSV, JSON Lines or packet files
  fetch             the same as export, from a server over the network (ICD archive mode)
  token [TOKEN]     print the scrypt hash of an agency token (reads stdin when TOKEN is omitted)
  check-config FILE validate a configuration file (merged over config/default.json)
  mdb check FILE    what of a mission database (XTCE or JSON) imports, what is left out and why

Run 'scs <command> --help' for the options of a command; 'scs --version' prints the version.

Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 3 refused by the server (NAK),
4 no server or connection lost. A closed stdout (scs export … | head) ends a command quietly, exit 0.`,
  serve: `Usage: scs serve [--config FILE] [--host H] [--port N] [--http-port N] [--actors N]

  --config FILE    configuration merged over config/default.json
  --host H         address the client port binds, default 127.0.0.1 (this machine only);
                   0.0.0.0 or :: to serve other machines (server.host in the configuration)
  --port N         client TCP port (ICD-001), default 7300
  --http-port N    ops HTTP port (/metrics, /healthz, /readyz), default 7301
  --actors N       actor threads, default 2

SIGHUP reloads the mission database from its file (a bad one is refused; the one in force stays).`,
  token: `Usage: scs token [TOKEN]

Prints the tokenHash to put in an agency's configuration. Without TOKEN it asks for one on a
terminal (what you type is not shown; Enter ends it), or reads the first line of stdin.`,
  'check-config': `Usage: scs check-config FILE

Validates FILE merged over config/default.json with the very checks that scs serve makes before it
starts (schema, TLS files, links, mission database, display, standing orders); prints "ok", or
one line per problem on stderr and exits 2.`,
};

class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got '${v}'`);
  return Number(v);
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseOptions({
    args: argv,
    options: {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'http-port': { type: 'string' },
      actors: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return void console.log(HELP.serve);
  // SIGHUP's default action ends the process: until the server is up a reload request is kept
  // and done once it is (the database loaded at start may already be the new one; no harm).
  const { startServer } = await import('./server/server.ts');
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let reloadPending = false;
  const reload = () => {
    if (server === undefined) {
      reloadPending = true;
      return;
    }
    server.mdbControl({ op: 'reload', by: 'SIGHUP' }).catch((err: unknown) => {
      console.error(`scs: SIGHUP reload failed: ${(err as Error).message}`);
    });
  };
  // Reload the mission database from its file; the acquisition thread logs the outcome and raises
  // its event, and a refused database leaves the one in force running.
  process.on('SIGHUP', reload);
  server = await startServer({
    configFile: values.config,
    overrides: {
      host: values.host,
      port: int('port', values.port),
      httpPort: int('http-port', values['http-port']),
      actors: int('actors', values.actors),
    },
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // ICD: BYE SHUTDOWN to every client, flush, and be gone within shutdownMs whatever happens.
    setTimeout(() => {
      console.error(`scs: forced exit after ${server.config.server.shutdownMs} ms (${signal})`);
      process.exit(1);
    }, server.config.server.shutdownMs).unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (reloadPending) reload();
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP.main);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(version());
    return 0;
  }
  switch (command) {
    case 'serve':
      await serve(rest);
      return -1;
    case 'tail':
    case 'status':
    case 'export':
    case 'fetch':
    case 'mdb': {
      // mdb loads (and compiles the schema of) the mission database code: only when asked for.
      const cmd = await {
        tail: () => import('./cli/tail.ts'),
        status: () => import('./cli/status.ts'),
        export: () => import('./cli/export.ts'),
        fetch: () => import('./cli/fetch.ts'),
        mdb: () => import('./cli/mdb.ts'),
      }[command]();
      if (rest.includes('--help')) {
        console.log(cmd.help);
        return 0;
      }
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      return cmd.run(rest, {
        stdout: process.stdout,
        stderr: process.stderr,
        stdin: process.stdin,
        signal: stop.signal,
      });
    }
    case 'token': {
      const { values, positionals } = parseOptions({
        args: rest,
        options: { help: { type: 'boolean' } },
        allowPositionals: true,
        strict: true,
      });
      if (values.help) {
        console.log(HELP.token);
        return 0;
      }
      if (positionals.length > 1) throw new UsageError('token takes at most one TOKEN');
      let token = positionals[0];
      if (token === undefined) {
        const { readSecretLine } = await import('./cli/secret.ts');
        try {
          token = await readSecretLine(process.stdin, process.stderr, 'Token (not shown): ');
        } catch (err) {
          if ((err as { code?: string }).code === 'ERR_INTERRUPTED') return 130;
          throw err;
        }
      }
      if (token.length < 8) throw new UsageError('a token must be at least 8 characters');
      const { hashToken } = await import('./config/token.ts');
      console.log(hashToken(token));
      return 0;
    }
    case 'check-config': {
      const { values, positionals } = parseOptions({
        args: rest,
        options: { help: { type: 'boolean' } },
        allowPositionals: true,
        strict: true,
      });
      if (values.help) {
        console.log(HELP['check-config']);
        return 0;
      }
      if (positionals.length !== 1) throw new UsageError('check-config takes exactly one FILE');
      // The very checks `scs serve` makes before it starts (src/server/preflight.ts).
      const file = positionals[0]!;
      const [{ loadConfig }, { preflight }, { createLogger }] = await Promise.all([
        import('./config/load.ts'),
        import('./server/preflight.ts'),
        import('./util/logger.ts'),
      ]);
      preflight(loadConfig({ file }), { file, log: createLogger({ level: 'silent', name: 'scs' }) });
      console.log('ok');
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command}' (see scs --help)`);
  }
}

// Node ignores SIGPIPE, so a reader that closes our stdout (`scs … | head`) surfaces as an
// EPIPE 'error' on process.stdout, which would otherwise crash the process with a stack trace.
// The streaming commands notice it themselves and end with exit 0; this keeps the rest quiet.
process.stdout.on('error', (err: Error & { code?: string }) => {
  if (err.code !== 'EPIPE') throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as Error & { code?: string };
    console.error(`scs: ${e.message}`);
    const usage =
      err instanceof UsageError ||
      err instanceof ConfigError ||
      // parseArgs: an unknown option, a missing or wrong value, an unexpected positional.
      (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS_'));
    process.exitCode = usage || err instanceof RuntimeError ? 2 : 1;
  },
);
