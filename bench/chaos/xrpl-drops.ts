/**
 * XRPL payments streamed by the rippled double to the real listener process while the connection is dropped again
 * and again (every other time the server also refuses new connections for a while, as a node restarting does). What
 * the stream missed must come back through the gap fill (account_tx from the last validated ledger) after each
 * reconnect. Counts payments missing and stored twice.
 */
import { waitUntil } from '../../platform/embedded/process.js';
import type { LedgerTransaction } from '../../test/support/rippled/payments.js';
import { startXrplListenerStack, variedPayment } from '../support/xrpl-listener-stack.js';
import { sleep, type ChaosRow } from './support.js';

const PAYMENTS = Number(process.env.CHAOS_XRPL_PAYMENTS ?? 10_000);
const DROPS = 20;
const PER_LEDGER = 50;
const EVERY_MS = 50;
const REFUSE_MS = 1_500;
const ACCOUNTS = 20;

export async function xrplDrops(): Promise<ChaosRow[]> {
  const scenario = `XRPL: ${PAYMENTS} payments, connection dropped ${DROPS}×`;
  const stack = await startXrplListenerStack('chaos-xrpl', {
    accounts: ACCOUNTS,
    listenerEnv: { XRPL_RECONNECT_MAX_SECONDS: '2' },
  });
  const { sql, rippled, accounts } = stack;
  try {
    const ledgers: LedgerTransaction[][] = [];
    for (let i = 0; i < PAYMENTS; i += PER_LEDGER) {
      ledgers.push(
        Array.from({ length: Math.min(PER_LEDGER, PAYMENTS - i) }, (_, j) => variedPayment(accounts[(i + j) % ACCOUNTS]!, i + j)),
      );
    }
    const hashes = ledgers.flat().map((t) => t.tx.hash as string);
    const dropAfter = new Set(Array.from({ length: DROPS }, (_, d) => Math.floor(((d + 1) * ledgers.length) / (DROPS + 1))));
    let drops = 0;
    for (const [n, ledger] of ledgers.entries()) {
      rippled.closeLedger(ledger);
      if (dropAfter.has(n)) {
        drops++;
        rippled.dropConnections();
        if (drops % 2 === 0) {
          rippled.refuseConnections(true);
          setTimeout(() => rippled.refuseConnections(false), REFUSE_MS);
        }
      }
      await sleep(EVERY_MS);
    }
    let stored = 0;
    await waitUntil(
      'every payment stored',
      async () => {
        rippled.closeLedger(); // the network keeps closing ledgers
        const [row] = await sql`select count(*)::int as n from xrpl_payments where hash = any(${hashes})`;
        stored = row!.n as number;
        if (stored < PAYMENTS) throw new Error(`${stored} of ${PAYMENTS}`);
      },
      { timeoutMs: 240_000, intervalMs: 1_000 },
    ).catch(() => {});
    // a payment is stored under its hash (the primary key), so a duplicate would be a second row for the same
    // transaction under another key: count rows per (ledger, transaction index) as well
    const [twice] = await sql`
      select (select count(*) from xrpl_payments) - (select count(distinct (ledger_index, transaction_index)) from xrpl_payments) as n`;
    console.log(`  ${scenario}: ${stored} of ${PAYMENTS} stored after ${drops} drops`);
    return [
      { scenario, count: 'payments missing', value: PAYMENTS - stored },
      { scenario, count: 'payments stored twice', value: Number(twice!.n) },
    ];
  } finally {
    await stack.stop();
  }
}
