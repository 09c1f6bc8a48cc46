/** What the worker process builds once and hands every feature's start-up: configuration, connections, kernel services. */
import type { EvmContext } from '../chains/evm/context.js';
import type { XrplConnection } from '../chains/xrpl/connection.js';
import type { Config } from '../platform/config.js';
import type { Sql } from '../platform/db/client.js';
import type { Logger } from '../platform/log.js';
import type { Mailer } from '../platform/mail/mailer.js';
import type { TelegramBotApi } from '../platform/telegram/bot-api.js';
import type { TemporalTarget } from '../platform/temporal/target.js';
import type { CurrencyCatalog } from '../services/currencies/catalog.js';
import type { LedgerWriter } from '../services/ledger/writer.js';

export interface WorkerDeps {
  config: Config;
  log: Logger;
  sql: Sql;
  /** For activities that start or signal workflows, and for start-up work (schedules, long-lived workflows). */
  temporal: TemporalTarget;
  ledger: LedgerWriter;
  currencies: CurrencyCatalog;
  xrpl: XrplConnection;
  /** The EVM chain, when EVM_RPC_URL and EVM_DEPOSIT_MNEMONIC are set; without it, features leave their EVM parts out. */
  evm: EvmContext | undefined;
  /** The one SMTP transport (withdrawal codes, notifications, reports), when SMTP_URL is set. */
  mailer: Mailer | null;
  /** The one Telegram Bot API client, when TELEGRAM_BOT_TOKEN is set. */
  telegram: TelegramBotApi | null;
}
