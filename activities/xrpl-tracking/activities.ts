/** XRPL backfill activities: one account_tx page fetched and stored per call, and the completed history recorded. */
import { Context } from '@temporalio/activity';
import { accountTxPage, unreachableHistory } from '../../chains/xrpl/account-tx.js';
import { reportHistoryGap } from '../../services/xrpl-tracking/history-gap.js';
import type { XrplConnection } from '../../chains/xrpl/connection.js';
import { signalDeposits } from '../../services/xrpl-tracking/outbox.js';
import type { Sql } from '../../platform/db/client.js';
import { accountByAddress, recordBackfillCompleted } from '../../services/xrpl-tracking/accounts-store.js';
import { storePayments } from '../../services/xrpl-tracking/store-payments.js';
import type { Logger } from '../../platform/log.js';
import type { BackfillCursor, BackfillMode } from '../../workflows/xrpl-tracking/messages.js';

export type BackfillPage =
  | { watched: false }
  | { watched: true; payments: number; inserted: number; deposits: number; next: BackfillCursor | null; throughLedger: number };

export function createXrplActivities(deps: { sql: Sql; log: Logger; xrpl: XrplConnection }) {
  return {
    /** Newest first, so recent payments show up before a long history is through. */
    async fetchBackfillPage(input: {
      address: string;
      mode: BackfillMode;
      cursor: BackfillCursor | null;
    }): Promise<BackfillPage> {
      const context = Context.current();
      const account = await accountByAddress(deps.sql, input.address);
      if (!account) return { watched: false };
      const fromLedger = input.cursor?.fromLedger ?? (input.mode === 'incremental' ? (account.completeThroughLedger ?? -1) : -1);
      context.heartbeat();
      const page = await accountTxPage(await deps.xrpl.connected(), {
        account: input.address,
        ledgerMin: fromLedger,
        ledgerMax: input.cursor?.toLedger ?? -1,
        forward: false,
        marker: input.cursor?.marker,
      });
      for (const problem of page.malformed)
        deps.log.error({ account: input.address, problem }, 'unreadable XRPL transaction skipped');
      // a full pass reads what the server holds, but the history is needed from where it is known complete: recorded
      // complete past a gap the server cannot cover, the account's gap fills and incremental passes start after it
      const missing = input.cursor ? null : unreachableHistory(account.completeThroughLedger ?? fromLedger, page);
      if (missing) await reportHistoryGap(deps.sql, deps.log, input.address, missing);
      context.heartbeat();
      const stored = await storePayments(deps.sql, page.payments);
      if (stored.deposits.length > 0) {
        // the listener's outbox retries whatever this could not signal
        await signalDeposits({ client: context.client, taskQueue: context.info.taskQueue }, deps.sql, stored.deposits).catch(
          (error) => deps.log.warn({ err: error, deposits: stored.deposits.length }, 'could not signal XRPL deposits yet'),
        );
      }
      return {
        watched: true,
        payments: page.payments.length,
        inserted: stored.inserted,
        deposits: stored.deposits.length,
        next: page.marker === undefined ? null : { fromLedger, toLedger: page.ledgerMax, marker: page.marker },
        throughLedger: page.ledgerMax,
      };
    },

    /** False if the account was removed meanwhile. */
    async completeBackfill(input: { address: string; throughLedger: number }): Promise<boolean> {
      const watched = await recordBackfillCompleted(deps.sql, input.address, input.throughLedger);
      if (watched) deps.log.info({ account: input.address, throughLedger: input.throughLedger }, 'XRPL backfill complete');
      return watched;
    },
  };
}
