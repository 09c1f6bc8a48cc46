/** Per-user IP allow-lists: CIDR blocks checked with node's BlockList, IPv4 and IPv6. */
import { BlockList, isIP } from 'node:net';

/** An allow-list entry as parsed: normalised, or why it is refused (a predicate on the entry, for a field's message). */
export type CidrEntry = { cidr: string } | { problem: string };

/**
 * Normalises "10.0.0.1" to "10.0.0.1/32". What it accepts PostgreSQL's `cidr` accepts too: no host bits set past the
 * prefix ("10.0.0.1/24" is refused, naming 10.0.0.0/24) and no IPv6 zone id ("fe80::1%eth0"), both of which node's
 * `isIP` lets through and PostgreSQL refuses.
 */
export function parseCidr(text: string): CidrEntry {
  const notAnEntry = { problem: 'must be an IPv4 or IPv6 address or CIDR block' };
  const [address, prefixText, ...rest] = text.trim().split('/');
  if (!address || rest.length > 0) return notAnEntry;
  const family = isIP(address);
  if (family === 0) return notAnEntry;
  const zone = address.indexOf('%');
  if (zone >= 0) return { problem: `must be an address without a zone id (${address.slice(zone)})` };
  const max = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { cidr: `${address}/${max}` };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return notAnEntry;
  const prefix = Number(prefixText);
  const bytes = addressBytes(address);
  const network = bytes.map((byte, i) => byte & (0xff00 >> Math.max(0, Math.min(8, prefix - 8 * i))));
  if (network.some((byte, i) => byte !== bytes[i])) {
    return { problem: `has host bits set past /${prefix}: did you mean ${formatAddress(network)}/${prefix}?` };
  }
  return { cidr: `${address}/${prefix}` };
}

/** An address's bytes, most significant first: IPv6's `::` expanded, a dotted IPv4 tail read as its four bytes. */
function addressBytes(address: string): number[] {
  if (!address.includes(':')) return address.split('.').map(Number);
  const bytesOf = (groups: string | undefined) =>
    (groups ? groups.split(':') : []).flatMap((group) =>
      group.includes('.') ? addressBytes(group) : [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff],
    );
  const [head, tail] = address.split('::').map(bytesOf) as [number[], number[] | undefined];
  return [...head, ...new Array<number>(16 - head.length - (tail?.length ?? 0)).fill(0), ...(tail ?? [])];
}

/** Bytes as an address's text, IPv6 in its shortest form (the URL parser's, RFC 5952). */
function formatAddress(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups = bytes.filter((_, i) => i % 2 === 0).map((high, i) => ((high << 8) | bytes[2 * i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

export function ipAllowed(ip: string, cidrs: string[]): boolean {
  return allowlistChecker(cidrs)(ip);
}

/** The allow-list as a check built once (a BlockList), for callers that ask many times, such as the auth cache. */
export function allowlistChecker(cidrs: string[]): (ip: string) => boolean {
  if (cidrs.length === 0) return () => true;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network, prefix] = cidr.split('/');
    const networkFamily = isIP(network!);
    if (networkFamily !== 0) list.addSubnet(network!, Number(prefix), networkFamily === 4 ? 'ipv4' : 'ipv6');
  }
  return (ip) => {
    const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
