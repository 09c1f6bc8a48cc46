/** How a network gives a user somewhere to send deposits: an address of their own, or a shared one with a tag. */
import type { Currency } from '../../domain/currencies.js';
import type { InvoiceOwner } from './invoice-destinations.js';

export interface DepositAddress {
  chain: string;
  address: string;
  /** XRPL: the tag that identifies the user on a shared company address. */
  destinationTag: bigint | null;
}

export interface DepositAddressProvider {
  /** The user's deposit address for a currency of this network; the same on every call. */
  addressFor(userId: string, currency: Currency): Promise<DepositAddress>;
  /** Where an invoice is paid on this network: its own address or tag, apart from every user's; the same on every call. */
  invoiceDestination(owner: InvoiceOwner): Promise<DepositAddress>;
}
