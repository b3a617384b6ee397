import { BlockList, isIP } from 'node:net';
import { parseCidr } from './cidr.ts';
import type { AgencyConfig, AgencySessionConfig, Config } from './schema.ts';

/** One agency's access rules, compiled once at start-up for the per-request checks. */
export interface AgencyAccess {
  readonly id: string;
  /** Stable 0..n-1 in sorted id order: the index of the agency's shared admission counters. */
  readonly index: number;
  readonly tokenHash: string;
  readonly maxConnections: number;
  readonly maxArchiveQueries: number;
  readonly streams: ReadonlySet<string>;
  /** The agency's own `complete` allowance (over the server's `session`), when configured. */
  readonly session: AgencySessionConfig;
  /** Remote address allowed by `allowFrom`; IPv4-mapped IPv6 (`::ffff:10.0.0.1`) matches IPv4 blocks. */
  allowsAddress(ip: string): boolean;
  /** Parameter name matched by one of the agency's `parameters` globs. */
  parameterAllowed(name: string): boolean;
  /** The agency's globs include `*`: every parameter, also ones outside the dictionary. */
  readonly allParameters: boolean;
  /** A verified TLS client certificate with this subject CN or one of these SANs is this agency's. */
  certificateMatches(cn: string | undefined, sans: readonly string[]): boolean;
}

/** Compiles every agency of a validated configuration, in sorted id order. */
export function compileAgencies(config: Pick<Config, 'agencies'>): Map<string, AgencyAccess> {
  const ids = Object.keys(config.agencies).sort();
  return new Map(ids.map((id, index) => [id, compileAgency(id, index, config.agencies[id]!)]));
}

function compileAgency(id: string, index: number, agency: AgencyConfig): AgencyAccess {
  const allowed = new BlockList();
  for (const text of agency.allowFrom) {
    const cidr = parseCidr(text)!;
    allowed.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return Object.freeze({
    id,
    index,
    tokenHash: agency.tokenHash,
    maxConnections: agency.maxConnections,
    maxArchiveQueries: agency.maxArchiveQueries,
    streams: new Set<string>(agency.streams),
    session: Object.freeze({ ...agency.session }),
    // BlockList itself matches IPv4-mapped IPv6 addresses against IPv4 subnets and vice versa.
    allowsAddress: (ip: string): boolean => {
      const version = isIP(ip);
      return version !== 0 && allowed.check(ip, version === 4 ? 'ipv4' : 'ipv6');
    },
    parameterAllowed: parameterMatcher(agency.parameters),
    allParameters: agency.parameters.includes('*'),
    certificateMatches: (cn: string | undefined, sans: readonly string[]): boolean =>
      (cn !== undefined && (agency.certificates?.cn ?? []).includes(cn)) ||
      sans.some((san) => (agency.certificates?.san ?? []).includes(san)),
  });
}

function parameterMatcher(globs: readonly string[]): (name: string) => boolean {
  if (globs.includes('*')) return () => true;
  const exact = new Set(globs.filter((g) => !g.includes('*')));
  const patterns = globs.filter((g) => g.includes('*')).map(globToRegExp);
  return (name) => exact.has(name) || patterns.some((re) => re.test(name));
}

/**
 * Anchored RegExp for a glob where `*` matches any run of characters (dots included) and every
 * other character is literal.
 *
 * Globs may come from clients (`filter.parameters`), so the RegExp must not backtrack
 * exponentially on `*a*a*a*a*b`. A `*` glob is matched correctly by taking each inner literal at
 * its leftmost occurrence; `(?=([\s\S]*?lit))\k` does exactly that and, because a lookahead is
 * atomic, the engine never retries other occurrences: the match is linear in the name's length.
 */
export function globToRegExp(glob: string): RegExp {
  const parts = glob.split('*').map(escapeRegExp);
  if (parts.length === 1) return new RegExp(`^${parts[0]}$`);
  const inner = parts.slice(1, -1).filter((part) => part !== '');
  const middle = inner.map((part, k) => `(?=([\\s\\S]*?${part}))(?:\\${k + 1})`).join('');
  return new RegExp(`^${parts[0]}${middle}[\\s\\S]*${parts.at(-1)}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
