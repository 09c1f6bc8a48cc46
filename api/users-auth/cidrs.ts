/** IP allow-list entries from a request: each an address or CIDR block, normalised, or a 400 naming the entry. */
import { parseCidr } from '../../services/users-auth/ip-allowlist.js';
import { invalidField } from '../http/problem.js';

export function requireCidrs(texts: string[], field: string): string[] {
  return texts.map((text, i) => {
    const cidr = parseCidr(text);
    if (!cidr) throw invalidField(`${field}.${i}`, 'must be an IPv4 or IPv6 address or CIDR block');
    return cidr;
  });
}
