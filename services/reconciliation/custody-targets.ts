/**
 * What an operator's custody target names: a registered custody account (or, where allowed, one registered wallet's
 * address), holding the currency on its chain. Custody adjustments and expected minimums refuse any other, which would
 * book or watch holdings no wallet can have.
 */
import type { Currency } from '../../domain/currencies.js';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db } from '../../platform/db/client.js';
import { custodyAddresses, type CustodyAddress } from './store.js';

export interface CustodyTarget {
  /** The request's field naming it. */
  field: string;
  /** A custody account (`custody:hot:<chain>`, …), or a wallet's address when `wallets` allows one. */
  name: string;
  wallets: boolean;
}

/** The registered wallet the target names (one of them, for an account), or NotFound / CurrencyMismatch. */
export async function requireCustodyTarget(db: Db, target: CustodyTarget, currency: Currency): Promise<CustodyAddress> {
  const wallet = (await custodyAddresses(db)).find(
    (w) => w.account === target.name || (target.wallets && w.address === target.name),
  );
  if (!wallet) {
    const [what, message] = target.wallets
      ? ['no such custody account or wallet', 'is neither a custody account nor the address of a registered custody wallet']
      : ['no such custody account', 'is not a custody account of a registered wallet'];
    throw new DomainError(ErrorCode.NotFound, what, [{ path: target.field, message }]);
  }
  const network = wallet.chain === XRPL_CHAIN ? 'xrpl' : 'evm';
  if (currency.network !== network) {
    throw new DomainError(ErrorCode.CurrencyMismatch, `${currency.code} is not held on ${wallet.chain}`, [
      { path: 'currency', message: `is not a currency of ${wallet.chain}` },
    ]);
  }
  return wallet;
}
