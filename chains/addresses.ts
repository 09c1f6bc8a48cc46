/**
 * Destination addresses as each chain defines them: EVM addresses with their EIP-55 checksum when mixed-case, XRPL
 * classic r-addresses with their base58 checksum. A typo must fail here, not on chain.
 */
import { getAddress, isAddress } from 'ethers';
import { isValidClassicAddress } from 'xrpl';
import type { Network } from '../domain/currencies.js';

export type AddressCheck = { ok: true; address: string } | { ok: false; reason: string };

export function checkAddress(network: Network, address: string): AddressCheck {
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
