/**
 * A fresh dev chain prepared as the dev stack prepares its anvil (the test USDT deployed and given to the hot wallets,
 * the custody wallets' opening balances booked), its wallets registered as the worker registers them and its first
 * block recorded as the listener records it: the first reconciliation finds no drift, and nothing is booked twice.
 */
import { parseEther, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliationActivities } from '../../activities/reconciliation/activities.js';
import { devCustodySettings } from '../../chains/evm/dev-accounts.js';
import { detectChain } from '../../chains/evm/provider.js';
import { loadConfig } from '../../platform/config.js';
import type { AnvilChain } from '../../platform/embedded/anvil.js';
import { ensureDevToken } from '../../platform/embedded/dev-token.js';
import { createLogger } from '../../platform/log.js';
import { CurrencyCatalog, setTokenContract } from '../../services/currencies/catalog.js';
import { configuredCustody, registerCustodyAddresses } from '../../services/reconciliation/client.js';
import { bookOpeningBalances } from '../../services/reconciliation/opening-balances.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fundedWallet, testProvider } from '../support/evm.js';
import { startOwnAnvil } from '../support/own-anvil.js';

const log = createLogger('dev-opening-balances-test', 'silent');
let anvil: AnvilChain;
let provider: JsonRpcProvider;
let db: TestDatabase;

beforeAll(async () => {
  [anvil, db] = await Promise.all([startOwnAnvil('anvil-dev-opening'), createTestDatabase()]);
  provider = testProvider(anvil.rpcUrl);
});
afterAll(async () => {
  provider?.destroy();
  await Promise.all([anvil?.stop(), db?.drop()]);
});

describe("a fresh dev chain's custody wallets", () => {
  it('are booked at their opening balances once, so that the first reconciliation finds no drift', async () => {
    const config = loadConfig({ SLUICE_ENV: 'dev', ...devCustodySettings({}) });
    // as workers/dev.ts prepares its anvil, before the worker and the listener start
    await setTokenContract(db.sql, 'USDT', await ensureDevToken(anvil.rpcUrl, null, log));
    // ETH of the gas keeper, the cold and both hot wallets; USDT of both hot wallets
    expect(await bookOpeningBalances(db.sql, anvil.rpcUrl, config)).toBe(6);
    expect(await bookOpeningBalances(db.sql, anvil.rpcUrl, config)).toBe(0); // a restart before the listener's first block

    const { chain } = await detectChain(provider);
    await registerCustodyAddresses(db.sql, configuredCustody(config, chain));
    const head = (await provider.getBlock('latest'))!;
    await db.sql`insert into evm_listener_checkpoints (chain, block_number, block_hash) values (${chain}, ${head.number}, ${head.hash})`;
    const reconciliation = createReconciliationActivities({
      sql: db.sql,
      log,
      currencies: new CurrencyCatalog(db.sql),
      evm: { chain, provider, confirmations: 1 },
      xrpl: null,
      thresholds: new Map(),
    });
    const report = await reconciliation.compareCustody();
    expect(report.lines.filter((l) => l.alert)).toEqual([]);
    expect(report.ok).toBe(true);
    // every custody account and currency compared, the ledger holding what the chain does (nothing: none of it)
    expect(report.lines.map((l) => [l.account, l.currency, l.ledger === l.chain, l.chain !== '0'])).toEqual([
      [`custody:cold:${chain}`, 'ETH', true, true],
      [`custody:cold:${chain}`, 'USDT', true, false],
      [`custody:gas-keeper:${chain}`, 'ETH', true, true],
      [`custody:gas-keeper:${chain}`, 'USDT', true, false],
      [`custody:hot:${chain}`, 'ETH', true, true],
      [`custody:hot:${chain}`, 'USDT', true, true],
    ]);

    // watched now: a wallet's later moves are its flows' or top-ups, never booked as an opening balance
    const outsider = await fundedWallet(provider, '10');
    await (await outsider.sendTransaction({ to: config.COLD_WALLET_ADDRESS, value: parseEther('1') })).wait();
    expect(await bookOpeningBalances(db.sql, anvil.rpcUrl, config)).toBe(0);
  });

  it('are still read with their currencies disabled: what custody holds of them is not drift', async () => {
    // the same chain, books and checkpoint as above; a disabled currency's deposits are credited all the same, so
    // custody keeps holding it
    const { chain } = await detectChain(provider);
    await db.sql`update currencies set enabled = false where code in ('ETH', 'USDT')`;
    const reconciliation = createReconciliationActivities({
      sql: db.sql,
      log,
      currencies: new CurrencyCatalog(db.sql),
      evm: { chain, provider, confirmations: 1 },
      xrpl: null,
      thresholds: new Map(),
    });
    await reconciliation.bookChainEvents();
    const report = await reconciliation.compareCustody();
    expect(report.lines.filter((l) => l.alert)).toEqual([]);
    expect(report.lines.filter((l) => l.chain !== '0').map((l) => [l.account, l.currency])).toEqual([
      [`custody:cold:${chain}`, 'ETH'],
      [`custody:gas-keeper:${chain}`, 'ETH'],
      [`custody:hot:${chain}`, 'ETH'],
      [`custody:hot:${chain}`, 'USDT'],
    ]);
  });
});
