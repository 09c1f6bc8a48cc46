/**
 * An XRPL server whose history does not reach back to where an account's history is complete: the payments in between
 * (deposits among them) cannot be read from it, and once the account's history is recorded complete past them nothing
 * looks for them again. So besides the log, operators get a critical alert (routed to Slack or Telegram), once per
 * account and gap: point XRPL_URL at a full-history server and resync the account.
 */
import { HISTORY_OUT_OF_REACH } from '../../chains/xrpl/account-tx.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { raiseAlert } from '../notifications/client.js';

export async function reportHistoryGap(
  db: Db,
  log: Logger,
  address: string,
  missing: { from: number; serverStartsAt: number },
): Promise<void> {
  log.error({ account: address, ...missing }, HISTORY_OUT_OF_REACH);
  await raiseAlert(db, {
    eventId: `xrpl-history-gap:${address}:${missing.from}`,
    type: 'other',
    kind: 'xrpl_history_out_of_reach',
    severity: 'critical',
    title: `XRPL payments of ${address} from ledger ${missing.from} to ${missing.serverStartsAt} cannot be read: ${HISTORY_OUT_OF_REACH}`,
    data: { account: address, from_ledger: missing.from, server_starts_at: missing.serverStartsAt },
  });
}
