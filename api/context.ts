/** What every route can reach: its dependencies and the authenticated caller. */
import type { Client, Connection } from '@temporalio/client';
import type { BetEventCache } from '../db/bet-event-cache.js';
import type { BetPlacer } from '../db/bet-placement.js';
import type { Sql } from '../db/client.js';
import type { CurrencyCatalog } from '../db/currencies.js';
import type { LedgerWriter } from '../db/ledger/writer.js';
import type { Role } from '../db/users.js';
import type { Logger } from '../workers/log.js';
import type { Network } from '../domain/currencies.js';
import type { WithdrawalTimings } from '../workers/withdrawal-starter.js';
import type { Tokens } from './auth/tokens.js';
import type { DepositAddressProvider } from './deposit-addresses.js';
import type { ApiMetrics } from './metrics.js';

export interface ApiDeps {
  sql: Sql;
  ledger: LedgerWriter;
  currencies: CurrencyCatalog;
  tokens: Tokens;
  temporal: { connection: Connection; client: Client; taskQueue: string };
  keys: { totp: Buffer; apiKeys: Buffer };
  settings: { apiKeyWindowSeconds: number; trustProxy: boolean; devMode: boolean; withdrawals: WithdrawalTimings };
  metrics: ApiMetrics;
  log: Logger;
  /** Who hands out deposit addresses on each network (HD wallets on EVM, destination tags on XRPL). */
  depositAddresses: Partial<Record<Network, DepositAddressProvider>>;
  /** The EVM chain deposits are collected on, when configured. */
  evm?: EvmApi;
  /** Bet placement's hot path: the open-event cache and the batching placer. */
  betting: { events: BetEventCache; placer: BetPlacer };
}

export interface EvmApi {
  /** `evm-<chainId>`. */
  chain(): Promise<string>;
}

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  via: 'jwt' | 'api_key';
}

export type AppEnv = { Variables: { user: AuthUser } };
