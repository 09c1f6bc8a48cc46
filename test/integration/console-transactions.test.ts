/** The console's Transactions page over plain HTTP: its hash filter finds a payment or deposit however the hash is pasted. */
import { beforeAll, describe, expect, it } from 'vitest';
import { appWithConsoleAdmin } from '../support/console-app.js';

const app = appWithConsoleAdmin();

const EVM_HASH = `0x${'ab12'.repeat(16)}`;
const XRPL_HASH = 'CD34'.repeat(16);

describe('the Transactions page', () => {
  beforeAll(async () => {
    const user = await app.t.api.signUp('hash-filter@example.com');
    await app.t.db.sql`
      insert into deposits (user_id, currency, chain, address, amount, tx_hash, event_index, event_key, workflow_id)
      values (${user.id}, 'USD', 'evm-31337', '0xaddress', 1, ${EVM_HASH}, 0, '0', 'deposit:hash-filter')`;
    await app.t.db.sql`
      insert into xrpl_payments (hash, ledger_index, transaction_index, close_time, source, destination, result, partial)
      values (${XRPL_HASH}, 1, 0, now(), 'rSource', 'rDestination', 'tesSUCCESS', false)`;
  });

  /** Whether the page's table lists the row of `hash` (the filter's field echoes what was typed, so not just the page). */
  const found = async (query: string, hash: string) => {
    const page = await app.admin.get(`/transactions?${query}`);
    expect(page.status).toBe(200);
    return page.body.includes(`<td class="mono">${hash}</td>`);
  };

  it('finds an EVM deposit by its hash with or without 0x, in either case: without it, it found nothing', async () => {
    for (const hash of [EVM_HASH, EVM_HASH.slice(2), EVM_HASH.slice(2).toUpperCase(), `0X${EVM_HASH.slice(2)}`])
      expect(await found(`kind=evm&hash=${hash}`, EVM_HASH)).toBe(true);
    expect(await found(`kind=evm&hash=${'0'.repeat(64)}`, EVM_HASH)).toBe(false);
  });

  it('finds an XRPL payment by its hash with or without 0x, in either case', async () => {
    for (const hash of [XRPL_HASH, XRPL_HASH.toLowerCase(), `0x${XRPL_HASH}`])
      expect(await found(`kind=xrpl&hash=${hash}`, XRPL_HASH)).toBe(true);
  });

  it('refuses what is not a hash, saying what one is', async () => {
    const page = await app.admin.get(`/transactions?kind=evm&hash=0x${'ab'.repeat(20)}`);
    expect(page.status).toBe(400);
    expect(page.body).toContain('hash: must be a transaction hash (64 hexadecimal characters, 0x optional)');
  });
});
