/**
 * Opening balances: what the custody wallets hold on an EVM chain Sluice has never watched (no listener checkpoint),
 * such as a fresh dev chain, whose accounts anvil funds and whose hot wallets the dev token's set-up gives USDT. From
 * the listener's first block on, every move of theirs is booked by its flow (sweeps, payouts, gas) or as a top-up, so
 * what they held before is booked once, custody against `equity:opening-balances`, each wallet and currency under its
 * own key. Booked while the chain is still unwatched only: once watched, a wallet's balance holds moves booked already
 * (a sweep to the cold wallet) or about to be (a top-up the listener recorded), and booking it would count them twice.
 */
import type { Config } from '../../platform/config.js';
import type { Sql } from '../../platform/db/client.js';
import { createEvmProvider, detectChain } from '../../chains/evm/provider.js';
import { loadCurrencies } from '../currencies/catalog.js';
import { checkpointOf } from '../deposits/client.js';
import { commit } from './booking.js';
import { configuredCustody } from './custody-wallets.js';
import { evmHoldings, evmReadsOf } from './positions.js';

export const OPENING_BALANCES_EQUITY = 'equity:opening-balances';
export const openingBalanceKey = (chain: string, address: string, currency: string) =>
  `opening-balance:${chain}:${address}:${currency}`;

/**
 * Books the opening balances of the EVM custody wallets `config` names on the chain at `rpcUrl`, if Sluice has never
 * watched it; returns how many were booked. Run before the worker and the listener start, so nothing else moves the
 * wallets meanwhile; run again (a restart cut off before the listener's first block), a booked key is skipped, and
 * the ledger's unique keys would refuse a second booking of one anyway.
 */
export async function bookOpeningBalances(sql: Sql, rpcUrl: string, config: Config): Promise<number> {
  const provider = createEvmProvider(rpcUrl);
  try {
    const { chain } = await detectChain(provider);
    if (await checkpointOf(sql, chain)) return 0;
    const evm = evmReadsOf(chain, provider, await loadCurrencies(sql));
    if (!evm) return 0;
    const wallets = configuredCustody(config, chain).filter((w) => w.chain === chain);
    const block = BigInt(await provider.getBlockNumber());
    const held = (await evmHoldings(evm, wallets, block))
      .filter((h) => h.amount > 0n)
      .map((h) => ({ ...h, key: openingBalanceKey(chain, h.address, h.currency) }));
    const booked = await sql`select key from ledger_transfers where key = any(${sql.array(held.map((h) => h.key))}::text[])`;
    const bookedKeys = new Set(booked.map((r) => r.key as string));
    return commit(
      sql,
      held
        .filter((h) => !bookedKeys.has(h.key))
        .map((h) => ({
          transfers: [
            {
              kind: 'posted' as const,
              key: h.key,
              debit: h.account,
              credit: OPENING_BALANCES_EQUITY,
              currency: h.currency,
              amount: h.amount,
              metadata: { type: 'opening_balance', chain, address: h.address, block: block.toString() },
            },
          ],
        })),
    );
  } finally {
    provider.destroy();
  }
}
