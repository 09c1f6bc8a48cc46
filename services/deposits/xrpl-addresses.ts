/** XRPL deposits: everyone sends to the company's one deposit address, each user with a destination tag of their own. */
import type { Sql } from '../../platform/db/client.js';
import { destinationTagOf } from './xrpl-destination-tags.js';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import type { DepositAddressProvider } from './addresses.js';
import { invoiceXrplTag } from './invoice-destinations.js';

export function xrplDepositAddresses(sql: Sql, depositAddress: string): DepositAddressProvider {
  return {
    async addressFor(userId) {
      return { chain: XRPL_CHAIN, address: depositAddress, destinationTag: await destinationTagOf(sql, userId) };
    },
    async invoiceDestination(owner) {
      const { address, destinationTag } = await invoiceXrplTag(sql, owner, depositAddress);
      return { chain: XRPL_CHAIN, address, destinationTag };
    },
  };
}
