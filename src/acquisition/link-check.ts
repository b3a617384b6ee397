// What a link configuration must satisfy beyond its JSON schema (the frame layout, APIDs, time
// codes, the transport, a replayed file's record length), checked without opening anything: by
// the downlink source at start and by the configuration check (`scs check-config`).
import { DownlinkPipeline } from '../ccsds/pipeline.ts';
import { ASM_BYTES } from '../ccsds/sync.ts';
import { createLink } from '../links/link.ts';
import { systemClock } from '../util/clock.ts';
import { AcquisitionError, AcquisitionErrorCode } from './errors.ts';
import { type DownlinkLinkConfig, toDownlinkConfig } from './link-config.ts';

/** One refused link: `path` is the JSON pointer of the field (or of the link) in the config. */
export interface LinkProblem {
  readonly index: number;
  readonly path: string;
  readonly message: string;
}

/** Throws what the link's pipeline or transport refuses (CcsdsError, LinkError, AcquisitionError). */
export function checkLink(link: DownlinkLinkConfig): void {
  const pipeline = new DownlinkPipeline(toDownlinkConfig(link), { frame: () => {}, packet: () => {} });
  // Constructing a link checks its transport (address blocks, speeds) without opening anything.
  createLink(link.id, link.station, link.transport, systemClock);
  checkRecordBytes(link, pipeline.blockLength);
}

/** A port something else listens on (the server's client and ops ports), named for the message. */
export interface ReservedPort {
  readonly protocol: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
  readonly what: string;
}

/**
 * Every problem of `links`, in order: ids used twice, listening ports taken twice (the later link
 * would retry its bind for ever and never come up), then each link's own.
 */
export function linkProblems(
  links: readonly DownlinkLinkConfig[],
  reserved: readonly ReservedPort[] = [],
): LinkProblem[] {
  const problems: LinkProblem[] = [];
  const ids = new Set<string>();
  const taken = reserved.filter((r) => r.port !== 0);
  links.forEach((link, index) => {
    if (ids.has(link.id)) {
      problems.push({ index, path: `/links/${index}/id`, message: `${link.id} is used twice` });
    }
    ids.add(link.id);
    const t = link.transport;
    if ((t.kind === 'tcp-server' || t.kind === 'udp') && t.port !== 0) {
      const mine: ReservedPort = {
        protocol: t.kind === 'udp' ? 'udp' : 'tcp',
        host: t.host,
        port: t.port,
        what: `/links/${index}/transport/port`,
      };
      const clash = taken.find((r) => clashes(r, mine));
      if (clash !== undefined) {
        const message = `${mine.protocol} port ${t.port} is also ${clash.what}`;
        problems.push({ index, path: mine.what, message });
      }
      taken.push(mine);
    }
    try {
      checkLink(link);
    } catch (err) {
      problems.push({ index, path: `/links/${index}`, message: `(${link.id}) ${(err as Error).message}` });
    }
  });
  return problems;
}

const WILDCARDS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/** Two binds of one protocol and port collide on the same address or when either is a wildcard. */
function clashes(a: ReservedPort, b: ReservedPort): boolean {
  if (a.protocol !== b.protocol || a.port !== b.port) return false;
  return a.host === b.host || WILDCARDS.has(a.host) || WILDCARDS.has(b.host);
}

/** A replayed frame or CADU file must hold whole code blocks of the link's frame layout. */
function checkRecordBytes(link: DownlinkLinkConfig, blockLength: number): void {
  const t = link.transport;
  if (t.kind !== 'file' || t.format === 'packets') return;
  const want = t.format === 'cadu' ? ASM_BYTES + blockLength : blockLength;
  if (t.recordBytes !== want) {
    throw new AcquisitionError(
      AcquisitionErrorCode.ERR_LINK_CONFIG,
      `transport.recordBytes ${t.recordBytes} is not the ${t.format === 'cadu' ? 'CADU' : 'code block'} length ${want} of this frame layout`,
    );
  }
}
