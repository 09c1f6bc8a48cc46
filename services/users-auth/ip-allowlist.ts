/** Per-user IP allow-lists: CIDR blocks checked with node's BlockList, IPv4 and IPv6. */
import { BlockList, isIP } from 'node:net';

/** Normalises "10.0.0.1" to "10.0.0.1/32"; null when the text is not an address or CIDR block. */
export function parseCidr(text: string): string | null {
  const [address, prefixText, ...rest] = text.trim().split('/');
  if (!address || rest.length > 0) return null;
  const family = isIP(address);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  if (prefixText === undefined) return `${address}/${max}`;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return null;
  return `${address}/${Number(prefixText)}`;
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
