// Everything `scs serve` checks before it starts a thread, and everything `scs check-config`
// checks: one function, so a configuration that check-config accepts is one serve accepts (issue
// 11). Beyond the schema (src/config/load.ts): the TLS material, the source (links and simulator
// are exclusive; each link's layout), the mission database (JSON or XTCE, through its importer),
// the agencies, the display's anonymous agency and the standing orders. A failure is a
// ConfigError naming the configuration file, which the CLI turns into exit 2.
import { AcquisitionError, AcquisitionErrorCode } from '../acquisition/errors.ts';
import { DEMO_MISSION_FILE, type SourceSpec, sourceDictionary } from '../acquisition/index.ts';
import type { ParameterInfo } from '../acquisition/source.ts';
import { type AgencyAccess, compileAgencies } from '../config/access.ts';
import { ConfigError, ConfigErrorCode } from '../config/errors.ts';
import type { Config } from '../config/schema.ts';
import { StandingOrders } from '../export/standing.ts';
import { type MdbText, parseMdbText, readMdbText } from '../mdb/load.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { checkDisplayConfig } from '../web/display.ts';
import { archivePath } from './archive.ts';
import { loadTls, type TlsMaterial } from './tls.ts';

/** Which source feeds the acquisition thread: the simulator (configured by `simulator`) or a test source. */
export type SourceChoice =
  | { kind: 'simulator' }
  | { kind: 'downlink' }
  | Extract<SourceSpec, { kind: 'test' }>;

export interface PreflightOptions {
  /** The file the configuration came from, named in errors (default: the configuration). */
  file?: string;
  /** Tests: the source to use instead of the configuration's. */
  source?: SourceChoice;
  log: Logger;
  clock?: Clock;
}

export interface Checked {
  tls: TlsMaterial | undefined;
  source: SourceSpec;
  /** The database text the acquisition thread (and any restart of it) decodes with. */
  mdb: MdbText;
  dictionary: readonly ParameterInfo[];
  agencies: Map<string, AgencyAccess>;
  standing: StandingOrders | undefined;
}

export function preflight(config: Config, opts: PreflightOptions): Checked {
  try {
    const tls = loadTls(config.server.tls);
    const choice: SourceChoice =
      opts.source ??
      (config.links.length > 0
        ? { kind: 'downlink' }
        : config.simulator.enabled
          ? { kind: 'simulator' }
          : { kind: 'test', options: { mode: 'inject' } });
    const source = sourceSpec(choice, config);
    // Read once: the acquisition thread (and any restart of it) decodes with this very text.
    const mdb = {
      ...readMdbText(config.mdb.file ?? DEMO_MISSION_FILE),
      ...(config.mdb.strict ? { strict: true } : {}),
    };
    const model = parseMdbText(mdb);
    // What an XTCE import left out: one warning per root cause, naming file, line and what is lost.
    for (const w of model.warnings ?? []) {
      opts.log.warn(
        { file: mdb.file, line: w.line, path: w.path, rule: w.rule },
        `mission database: ${w.message}`,
      );
    }
    const dictionary = sourceDictionary(source, model);
    const agencies = compileAgencies(config);
    if (config.display.enabled) checkDisplayConfig(config.display, agencies);
    const standing =
      config.standingOrders.length === 0
        ? undefined
        : new StandingOrders({
            orders: config.standingOrders,
            ...(config.archive.enabled
              ? { archivePath: archivePath(config.archive, config.server.stateDir) }
              : {}),
            stateDir: config.server.stateDir,
            log: opts.log.child({ component: 'standing-orders' }),
            ...(opts.clock ? { clock: opts.clock } : {}),
          });
    return { tls, source, mdb, dictionary, agencies, standing };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = err as Error & { code?: unknown };
    throw new ConfigError(
      ConfigErrorCode.INVALID,
      opts.file ?? 'the configuration',
      [{ path: '', rule: typeof e.code === 'string' ? e.code : 'invalid', message: e.message }],
      { cause: err },
    );
  }
}

function sourceSpec(choice: SourceChoice, config: Config): SourceSpec {
  switch (choice.kind) {
    case 'simulator':
      return { kind: 'simulator', config: { ...config.simulator, stateDir: config.server.stateDir } };
    case 'downlink':
      if (config.simulator.enabled && config.links.length > 0) {
        throw new AcquisitionError(
          AcquisitionErrorCode.ERR_SOURCE_SPEC,
          'links are configured and simulator.enabled is true: set simulator.enabled to false',
        );
      }
      return { kind: 'downlink', config: { links: config.links, stateDir: config.server.stateDir } };
    default:
      return choice;
  }
}
