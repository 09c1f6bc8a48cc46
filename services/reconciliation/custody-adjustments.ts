/**
 * What an operator books when reconciliation finds custody that no flow explains (a wallet's balance from before
 * Sluice watched it, funds lost or sent in unseen): the custody account's holdings adjusted against equity, with a
 * reason on record, so that the next run matches. Only a registered custody account, in a currency of its chain.
 */
import type { Currency } from '../../domain/currencies.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { LedgerWriter } from '../ledger/writer.js';
import { postAdjustment, type AdjustmentPosted } from '../transfers/client.js';
import { requireCustodyTarget } from './custody-targets.js';

export interface CustodyAdjustment {
  operatorId: string;
  /** A custody account (`custody:hot:<chain>`, …) that the worker registered for one of its wallets. */
  account: string;
  currency: Currency;
  /** Minor units: positive adds to the holdings the ledger knows of, negative takes away. */
  amount: bigint;
  reason: string;
  idempotencyKey: string;
}

export async function adjustCustody(
  deps: { sql: Db; ledger: LedgerWriter; log: Logger },
  a: CustodyAdjustment,
): Promise<AdjustmentPosted> {
  const wallet = await requireCustodyTarget(deps.sql, { field: 'account', name: a.account, wallets: false }, a.currency);
  return postAdjustment(deps, {
    ...a,
    accountField: 'account',
    currency: a.currency.code,
    grows: 'debit',
    metadata: { chain: wallet.chain, custody_account: a.account },
  });
}
