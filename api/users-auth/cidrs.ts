/** IP allow-list entries from a request: each an address or CIDR block, normalised, or a 400 naming the entry and why. */
import { parseCidr } from '../../services/users-auth/ip-allowlist.js';
import { invalidField } from '../http/problem.js';

export function requireCidrs(texts: string[], field: string): string[] {
  return texts.map((text, i) => {
    const entry = parseCidr(text);
    if ('problem' in entry) throw invalidField(`${field}.${i}`, entry.problem);
    return entry.cidr;
  });
}
