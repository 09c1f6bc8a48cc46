/**
 * Destination addresses as each chain defines them: EVM addresses with their EIP-55 checksum when mixed-case, XRPL
 * classic r-addresses with their base58 checksum. A typo must fail here, not on chain.
 */
import { getAddress, isAddress, ZeroAddress } from 'ethers';
import { isValidClassicAddress } from 'xrpl';
import type { Network } from '../domain/currencies.js';

export type AddressCheck = { ok: true; address: string } | { ok: false; reason: string };

/**
 * Well-formed addresses nobody holds the key of: what is sent there is burnt. The EVM zero address; XRPL's ACCOUNT_ZERO
 * (the "black hole", XRP's issuer in rippled's encoding) and ACCOUNT_ONE (the placeholder for "no account").
 */
const UNSPENDABLE: Partial<Record<Network, ReadonlySet<string>>> = {
  evm: new Set([ZeroAddress]),
  xrpl: new Set(['rrrrrrrrrrrrrrrrrrrrrhoLvTp', 'rrrrrrrrrrrrrrrrrrrrBZbvji']),
};

export function checkAddress(network: Network, address: string): AddressCheck {
  const checked = checkFormat(network, address);
  if (checked.ok && UNSPENDABLE[network]?.has(checked.address))
    return { ok: false, reason: 'is an address nobody can spend from: funds sent there are lost' };
  return checked;
}

function checkFormat(network: Network, address: string): AddressCheck {
  switch (network) {
    case 'evm': {
      if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return { ok: false, reason: 'must be a 0x-prefixed 20-byte hex address' };
      if (!isAddress(address)) return { ok: false, reason: "has a wrong EIP-55 checksum (check the letters' case)" };
      return { ok: true, address: getAddress(address) };
    }
    case 'xrpl':
      return isValidClassicAddress(address)
        ? { ok: true, address }
        : { ok: false, reason: 'must be an XRPL classic address (r…) with a valid checksum' };
    case 'bitcoin':
      return { ok: false, reason: 'Bitcoin payouts are not supported' };
  }
}
