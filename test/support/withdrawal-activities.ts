/**
 * The withdrawal activities over a test database, with no chain, provider or Telegram (and no configured custody wallet
 * unless given): what the tests of their records need; a test of a payout provider gives its providers.
 */
import pino from 'pino';
import { createWithdrawalActivities } from '../../activities/withdrawals/activities.js';
import type { WithdrawalProvider } from '../../chains/withdrawals/provider.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { Sql } from '../../platform/db/client.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import type { CustodyWalletAddresses } from '../../services/reconciliation/client.js';

export function withdrawalActivities(
  sql: Sql,
  options: {
    mailer?: Mailer;
    withdrawalCodes?: Buffer;
    custodyWallets?: CustodyWalletAddresses;
    withdrawalProviders?: Map<string, WithdrawalProvider>;
  } = {},
) {
  return createWithdrawalActivities({
    sql,
    ledger: new LedgerWriter(sql),
    mailer: options.mailer ?? null,
    telegram: null,
    withdrawalProviders: options.withdrawalProviders ?? new Map(),
    keys: { withdrawalCodes: options.withdrawalCodes ?? Buffer.alloc(32), totp: Buffer.alloc(32) },
    custodyWallets: options.custodyWallets ?? { evm: new Set(), xrpl: new Set() },
    log: pino({ level: 'silent' }),
  });
}
