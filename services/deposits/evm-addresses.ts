/**
 * EVM deposit addresses: one HD index per user, assigned on first request and stored, so the address is the same
 * for ETH and every token, across calls and restarts. Derived from the seed's public branch only.
 */
import { getAddress, type JsonRpcProvider } from 'ethers';
import { DepositAddressDeriver } from '../../chains/evm/hd-wallets.js';
import { detectChain } from '../../chains/evm/provider.js';
import type { Sql } from '../../platform/db/client.js';
import { assignDepositAddress } from './evm-addresses-store.js';
import type { Currency } from '../../domain/currencies.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { DepositAddress, DepositAddressProvider } from './addresses.js';
import { invoiceEvmAddress, type InvoiceOwner } from './invoice-destinations.js';

export class EvmDepositAddresses implements DepositAddressProvider {
  private readonly deriver: DepositAddressDeriver;
  private chainKey: Promise<string> | null = null;

  constructor(
    private readonly sql: Sql,
    mnemonic: string,
    private readonly provider: JsonRpcProvider,
    private readonly expectedChainId?: number,
  ) {
    this.deriver = new DepositAddressDeriver(mnemonic);
  }

  /** The configured chain's key (`evm-<chainId>`), asked of the node once. */
  chain(): Promise<string> {
    this.chainKey ??= detectChain(this.provider, this.expectedChainId).then(
      ({ chain }) => chain,
      (error) => {
        this.chainKey = null;
        throw new DomainError(
          ErrorCode.Unavailable,
          `the EVM node cannot be reached: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
    return this.chainKey;
  }

  async addressFor(userId: string, _currency: Currency): Promise<DepositAddress> {
    const chain = await this.chain();
    const row = await assignDepositAddress(this.sql, userId, (index) => this.deriver.addressAt(index));
    return { chain, address: getAddress(row.address), destinationTag: null };
  }

  async invoiceDestination(owner: InvoiceOwner): Promise<DepositAddress> {
    const chain = await this.chain();
    const { address } = await invoiceEvmAddress(this.sql, owner, this.deriver);
    return { chain, address, destinationTag: null };
  }
}
