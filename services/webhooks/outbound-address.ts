/**
 * Where a webhook may go. Outbound delivery is a security surface (trigger.dev's safeWebhookUrl): a merchant's URL must
 * not reach our own network. In production, private, loopback, link-local and other non-public addresses are refused,
 * both when the URL names one and after DNS resolution, where every address the name resolves to is checked and the
 * connection goes to a checked one (so a name that resolves differently a second time cannot slip through). Dev and
 * test stacks allow them (WEBHOOK_ALLOW_PRIVATE_TARGETS), since their merchants run on this machine.
 */
import { lookup as dnsLookup, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const NON_PUBLIC: Array<[cidr: string, reason: string]> = [
  ['0.0.0.0/8', 'a "this network" address'],
  ['10.0.0.0/8', 'a private address'],
  ['100.64.0.0/10', 'a carrier-grade NAT address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address'],
  ['172.16.0.0/12', 'a private address'],
  ['192.0.0.0/24', 'a reserved address'],
  ['192.0.2.0/24', 'a documentation address'],
  ['192.168.0.0/16', 'a private address'],
  ['198.18.0.0/15', 'a benchmarking address'],
  ['198.51.100.0/24', 'a documentation address'],
  ['203.0.113.0/24', 'a documentation address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved address'],
  ['::/128', 'the unspecified address'],
  ['::1/128', 'a loopback address'],
  ['fc00::/7', 'a private (unique local) address'],
  ['fe80::/10', 'a link-local address'],
  ['ff00::/8', 'a multicast address'],
  ['2001:db8::/32', 'a documentation address'],
  // NAT64 and 6to4 wrap an IPv4 address that could be any of the above
  ['64:ff9b::/96', 'a NAT64 address'],
  ['2002::/16', 'a 6to4 address'],
];

const lists = NON_PUBLIC.map(([cidr, reason]) => {
  const [network, prefix] = cidr.split('/') as [string, string];
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  return { list, reason };
});

/** Why an IP address is not a public one (IPv4-mapped IPv6 addresses are judged by their IPv4 address), or null. */
export function nonPublicReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const [ip, type] = mapped ? [mapped, 'ipv4' as const] : [address, family === 6 ? ('ipv6' as const) : ('ipv4' as const)];
  return lists.find(({ list }) => list.check(ip, type))?.reason ?? null;
}

export class RefusedTarget extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedTarget';
  }
}

/** A URL's host as an IP address when it is one (`[::1]` unbracketed), else null. */
export function literalAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

/**
 * The reason an endpoint URL is refused when it is stored, or null: http(s) only, https in production, and no literal
 * non-public address there. Names are checked after resolution, at every delivery.
 */
export function endpointUrlProblem(text: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (allowPrivate) return null;
  if (url.protocol !== 'https:') return 'must be an https URL';
  const address = literalAddress(url);
  const reason = address ? nonPublicReason(address) : null;
  return reason ? `must not point to ${reason}` : null;
}

/**
 * A `lookup` for node:http's request options: resolves the name, refuses it if any address it resolves to is not
 * public, and hands the connection only the addresses it checked.
 */
export const checkedLookup: LookupFunction = (hostname, options, callback) => {
  const all: LookupAllOptions = { all: true, ...(options.family ? { family: options.family } : {}) };
  dnsLookup(hostname, all, (error, addresses) => {
    if (error) return callback(error, []);
    for (const { address } of addresses) {
      const reason = nonPublicReason(address);
      if (reason) return callback(new RefusedTarget(`${hostname} resolves to ${address}, ${reason}`), []);
    }
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    if (!first) return callback(new RefusedTarget(`${hostname} resolves to no address`), []);
    callback(null, first.address, first.family);
  });
};
