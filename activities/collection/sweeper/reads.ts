/**
 * What a sweeper's steps read from the database, batched across the tick's wallets: the steps ask for one wallet or
 * sweep at a time, and the lookups its lanes make together go out as one query (a burst of hundreds of wallets costs a
 * few queries per step, not a few per wallet). Nothing is cached between lookups, so each step reads fresh rows.
 */
import { batchedLookup } from '../../../platform/db/batch-queue.js';
import type { Sql } from '../../../platform/db/client.js';
import { sendsByKeys, sendsFromAddresses, type Send, type SendsFrom } from '../../../chains/evm/sends-store.js';
import { depositAddressesByAddress } from '../../../services/deposits/client.js';
import {
  holdingsOfWallets,
  openSweepsOfWallets,
  sweepsByIds,
  type Sweep,
  type WalletHoldings,
} from '../../../services/collection/sweeps-store.js';
import { unclaimedEarlyFundings, type EarlyFunding } from '../../../services/collection/early-fundings-store.js';

export interface SweepReads {
  sweep(id: string): Promise<Sweep | undefined>;
  openSweepsOf(address: string): Promise<Sweep[]>;
  holdings(address: string): Promise<WalletHoldings>;
  /** Our sends from the wallet, as recorded: the newest block holding one, and whether one is not mined. */
  sendsFrom(address: string): Promise<SendsFrom>;
  depositAddress(address: string): Promise<{ hdIndex: number; address: string } | undefined>;
  /** One of our sends by its key, as the listener recorded it (no node call: lanes waiting on a funding poll it). */
  send(key: string): Promise<Send | undefined>;
  /** The wallet's oldest early funding no sweep has claimed, as recorded. */
  unclaimedEarlyFunding(address: string): Promise<EarlyFunding | undefined>;
}

export function batchedSweepReads(sql: Sql, chain: string): SweepReads {
  const sweeps = batchedLookup((ids: string[]) => sweepsByIds(sql, ids));
  const open = batchedLookup((addresses: string[]) => openSweepsOfWallets(sql, chain, addresses));
  const holdings = batchedLookup((addresses: string[]) => holdingsOfWallets(sql, chain, addresses));
  const sent = batchedLookup((addresses: string[]) => sendsFromAddresses(sql, chain, addresses));
  const addresses = batchedLookup((wanted: string[]) => depositAddressesByAddress(sql, wanted));
  const sends = batchedLookup((keys: string[]) => sendsByKeys(sql, chain, keys));
  const early = batchedLookup((addresses: string[]) => unclaimedEarlyFundings(sql, chain, addresses));
  return {
    sweep: sweeps,
    openSweepsOf: async (address) => (await open(address)) ?? [],
    holdings: async (address) => (await holdings(address))!, // every wallet asked for has its row
    sendsFrom: async (address) => (await sent(address)) ?? { lastBlock: null, unmined: false },
    depositAddress: (address) => addresses(address.toLowerCase()),
    send: sends,
    unclaimedEarlyFunding: early,
  };
}
