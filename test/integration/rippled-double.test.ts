/** The rippled test double speaks the protocol xrpl.js expects: the client's own calls, in API v1 and v2 shapes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, RippledError, type AccountTxRequest, type TransactionStream } from 'xrpl';
import { ADDRESSES, partialXrpPayment, xrpPayment } from '../support/rippled/payments.js';
import { FakeRippled } from '../support/rippled/server.js';

const { alice, bob, dave } = ADDRESSES;
let fake: FakeRippled;
let client: Client;
const history: string[] = [];

beforeAll(async () => {
  fake = await FakeRippled.start();
  for (let ledger = 0; ledger < 5; ledger++) {
    const batch = Array.from({ length: 10 }, (_, i) => xrpPayment({ from: dave, to: alice, drops: BigInt(ledger * 10 + i + 1) }));
    history.push(...batch.map((t) => t.tx.hash as string));
    fake.closeLedger(batch);
  }
  client = new Client(fake.url);
  await client.connect();
});
afterAll(async () => {
  await client?.disconnect();
  await fake?.close();
});

describe('rippled test double', () => {
  it('answers server_info, ping and ledger', async () => {
    const info = await client.request({ command: 'server_info' });
    expect(info.result.info.validated_ledger?.seq).toBe(fake.validatedLedger);
    expect((await client.request({ command: 'ping' })).result).toEqual({});
    const ledger = await client.request({ command: 'ledger', ledger_index: 'validated' });
    expect(ledger.result.ledger_index).toBe(fake.validatedLedger);
  });

  it('pages account_tx with markers both ways, in v2 (request) and v1 (requestAll) shapes', async () => {
    const newestFirst: string[] = [];
    let marker: unknown;
    do {
      const request: AccountTxRequest = {
        command: 'account_tx',
        account: alice,
        limit: 10,
        ledger_index_min: -1,
        ledger_index_max: -1,
        ...(marker ? { marker } : {}),
      };
      const page = await client.request(request);
      newestFirst.push(...page.result.transactions.map((t) => t.hash!));
      expect(page.result.transactions[0]!.tx_json).toMatchObject({ TransactionType: 'Payment', DeliverMax: expect.any(String) });
      marker = page.result.marker;
    } while (marker);
    expect(newestFirst).toEqual([...history].reverse());

    const oldestFirst: Array<{ tx: { hash: string; Amount: string; ledger_index: number } }> = [];
    marker = undefined;
    do {
      const page = await client.request({
        command: 'account_tx',
        account: alice,
        forward: true,
        limit: 15,
        api_version: 1,
        ...(marker ? { marker } : {}),
      });
      oldestFirst.push(...(page.result.transactions as unknown as typeof oldestFirst));
      marker = page.result.marker;
    } while (marker);
    expect(oldestFirst.map((t) => t.tx.hash)).toEqual(history);
    expect(oldestFirst[0]!.tx).toMatchObject({ Amount: '1', ledger_index: fake.firstLedger + 1 });

    // requestAll sends no api_version: rippled answers in v1 shapes
    const all = await client.requestAll({ command: 'account_tx', account: alice } as AccountTxRequest);
    expect(all.flatMap((p) => p.result.transactions as unknown as Array<{ tx: unknown }>).every((t) => t.tx !== undefined)).toBe(
      true,
    );
  });

  it('refuses malformed and unknown accounts as rippled does', async () => {
    const failure = (account: string) =>
      client.request({ command: 'account_tx', account }).catch((e: RippledError) => (e.data as { error: string }).error);
    expect(await failure(bob)).toBe('actNotFound');
    expect(await failure('rNotAnAddress')).toBe('actMalformed');
  });

  it('streams ledger closes and the transactions of subscribed accounts, and stops after unsubscribe', async () => {
    const seen: TransactionStream[] = [];
    const closed: number[] = [];
    client.on('transaction', (t) => seen.push(t));
    client.on('ledgerClosed', (l) => closed.push(l.ledger_index));
    await client.request({ command: 'subscribe', accounts: [alice], streams: ['ledger'] });
    const partial = partialXrpPayment({ from: dave, to: alice, sentDrops: 5n, deliveredDrops: 2n });
    const ledger = fake.closeLedger([partial, xrpPayment({ from: dave, to: bob, drops: 1n })]);
    await expect.poll(() => seen.length).toBe(1);
    expect(closed).toEqual([ledger]);
    expect(seen[0]).toMatchObject({
      validated: true,
      ledger_index: ledger,
      hash: partial.tx.hash,
      meta: { delivered_amount: '2' },
    });
    expect(seen[0]!.warnings).toEqual([expect.objectContaining({ id: 2001 })]); // xrpl.js flags partial payments itself

    await client.request({ command: 'unsubscribe', accounts: [alice] });
    fake.closeLedger([xrpPayment({ from: dave, to: alice, drops: 1n })]);
    await expect.poll(() => closed.length).toBe(2);
    expect(seen).toHaveLength(1);
  });
});
