/** Currencies are data: the seed below is what a fresh database starts with (see db/migrations). */

export type CurrencyKind = 'fiat' | 'crypto';
/** The network a currency moves on; `evm` is whichever EVM chain Sluice is configured for. */
export type Network = 'bitcoin' | 'evm' | 'xrpl';

export interface Currency {
  code: string;
  name: string;
  kind: CurrencyKind;
  scale: number;
  network: Network | null;
  /** ERC-20 contract address on the configured EVM chain, for tokens. */
  tokenContract: string | null;
  enabled: boolean;
}

export const CURRENCY_CODE = /^[A-Z][A-Z0-9]{1,9}$/;

/** A network's native currency (gas is paid in it): the catalog's currency of that network without a token contract. */
export function nativeCurrencyOf(currencies: readonly Currency[], network: Network): Currency | undefined {
  return currencies.find((c) => c.network === network && c.tokenContract === null);
}
