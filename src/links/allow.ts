// Which peers may feed a listening link: a front end is trusted with the telemetry it sends (and,
// with secondConnection 'replace', with taking the link over), so listening links take an
// allow-list of address blocks.
import { BlockList, isIP } from 'node:net';
import { parseCidr } from '../config/cidr.ts';
import { LinkError, LinkErrorCode } from './errors.ts';

/** Throws ERR_LINK_CONFIG for an entry that is not an address or CIDR block. */
export function addressFilter(linkId: string, allowFrom: readonly string[]): (ip: string) => boolean {
  const allowed = new BlockList();
  for (const text of allowFrom) {
    const cidr = parseCidr(text);
    if (cidr === null) {
      throw new LinkError(
        LinkErrorCode.ERR_LINK_CONFIG,
        `link ${linkId}: allowFrom '${text}' is not an address or CIDR block`,
      );
    }
    allowed.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  // BlockList matches IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) against IPv4 blocks.
  return (ip) => {
    const version = isIP(ip);
    return version !== 0 && allowed.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  };
}
