/**
 * XRPL payment tracking end to end, over HTTP: the real API, worker and listener processes against Postgres,
 * Temporal and the rippled test double. Histories through backfill, live payments, reconnects with gap fill,
 * partial payments, destination-tag deposits credited once, killed and standby listeners.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount } from '../../domain/money.js';
import type { ApiResponse } from '../support/http.js';
import { waitUntil, type ServiceProcess } from '../../platform/embedded/process.js';
import { storePayments } from '../../services/xrpl-tracking/store-payments.js';
import {
  ADDRESSES,
  failedPayment,
  issuedPayment,
  partialIssuedPayment,
  partialXrpPayment,
  randomAddress,
  randomHash,
  xrpPayment,
  type LedgerTransaction,
} from '../support/rippled/payments.js';
import { startXrplStack, type XrplStack } from '../support/xrpl-stack.js';

const { alice, bob, carol, dave, erin } = ADDRESSES;
const DEPOSITS = carol;

let stack: XrplStack;
let listener: ServiceProcess;
let admin: { token: string };

beforeAll(async () => {
  stack = await startXrplStack({ depositAddress: DEPOSITS });
  admin = stack.admin;
  listener = stack.spawnListener();
  await stack.following(DEPOSITS);
});
afterAll(() => stack?.stop());

const hashes = (txs: LedgerTransaction[]) => txs.map((t) => t.tx.hash as string);

/** Every payment the API lists for a query, following the cursors. */
async function allPayments(query: string): Promise<Array<Record<string, any>>> {
  const rows: Array<Record<string, any>> = [];
  let cursor: string | null = null;
  do {
    const response: ApiResponse = await stack.api.get(
      `/api/transactions?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      { token: admin.token },
    );
    expect(response.status).toBe(200);
    rows.push(...response.body.data);
    cursor = response.body.next_cursor;
  } while (cursor);
  return rows;
}

const visible = async (txs: LedgerTransaction[]) => {
  const found = await Promise.all(hashes(txs).map((h) => stack.api.get(`/api/transactions/${h}`, { token: admin.token })));
  return found.filter((r) => r.status === 200).length;
};
const waitVisible = (txs: LedgerTransaction[], timeout = 30_000) =>
  expect.poll(() => visible(txs), { timeout, interval: 100 }).toBe(txs.length);

const backfillDone = (address: string) =>
  expect
    .poll(async () => (await stack.api.get(`/api/accounts/${address}`, { token: admin.token })).body.backfill?.state, {
      timeout: 60_000,
      interval: 200,
    })
    .toBe('done');

const xrpBalance = async (token: string) =>
  (await stack.api.get('/v1/balances', { token })).body.data.find((b: { currency: string }) => b.currency === 'XRP')?.posted ??
  '0.000000';

describe('XRPL payment tracking end to end', () => {
  it('refuses bad accounts and callers', async () => {
    const user = await stack.api.signUp('xrpl-nosy@example.com');
    const body = { address: alice };
    expect((await stack.api.post('/api/accounts', body)).status).toBe(401);
    expect((await stack.api.post('/api/accounts', body, { token: user.token })).status).toBe(403);
    expect((await stack.api.get('/api/transactions', { token: user.token })).status).toBe(403);
    for (const address of [
      `${alice.slice(0, -1)}${alice.endsWith('X') ? 'Y' : 'X'}`,
      'X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ',
      '0xdeadbeef',
    ]) {
      const refused = await stack.api.post('/api/accounts', { address }, { token: admin.token });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'address' })]);
    }
    const badFilter = await stack.api.get('/api/transactions?hash=xyz&destination_tag=-1', { token: admin.token });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['destination_tag', 'hash']);
    expect((await stack.api.get(`/api/transactions/${'A'.repeat(64)}`, { token: admin.token })).status).toBe(404);
    expect((await stack.api.post(`/api/accounts/${bob}/resync`, undefined, { token: admin.token })).status).toBe(404);
    expect((await stack.api.delete(`/api/accounts/${DEPOSITS}`, { token: admin.token })).status).toBe(409);
    expect((await stack.api.get('/api/accounts?cursor=nonsense', { token: admin.token })).body.errors).toEqual([
      expect.objectContaining({ path: 'cursor' }),
    ]);

    const spec = await stack.api.get('/openapi.json');
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/accounts',
        '/api/accounts/{address}',
        '/api/accounts/{address}/resync',
        '/api/transactions',
        '/api/transactions/{hash}',
        '/v1/ops/xrpl/unmatched',
      ]),
    );
  });

  it('backfills an account with 1,200 historical payments over several pages, and a second resync joins the first', async () => {
    const history: LedgerTransaction[] = [];
    for (let ledger = 0; ledger < 48; ledger++) {
      const batch = Array.from({ length: 25 }, (_, i) =>
        i % 3 === 0
          ? xrpPayment({ from: alice, to: randomAddress(), drops: 1_000n })
          : xrpPayment({ from: randomAddress(), to: alice, drops: BigInt(ledger * 100 + i + 1), tag: i }),
      );
      history.push(...batch);
      stack.rippled.closeLedger(batch);
    }
    const added = await stack.api.post('/api/accounts', { address: alice, label: 'treasury' }, { token: admin.token });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      address: alice,
      label: 'treasury',
      is_deposit_address: false,
      backfill_workflow_id: `xrpl-backfill:${alice}`,
    });
    expect((await stack.api.post('/api/accounts', { address: alice }, { token: admin.token })).status).toBe(409);
    const again = await stack.api.post(`/api/accounts/${alice}/resync`, undefined, { token: admin.token });
    expect(again.status).toBe(202);
    expect(again.body.workflow_id).toBe(`xrpl-backfill:${alice}`);

    await backfillDone(alice);
    const listed = await allPayments(`account=${alice}`);
    expect(listed).toHaveLength(history.length);
    expect(new Set(listed.map((p) => p.hash))).toEqual(new Set(hashes(history)));
    const account = (await stack.api.get(`/api/accounts/${alice}`, { token: admin.token })).body;
    expect(account.backfill).toMatchObject({ pages: 3, payments: 1_200 });
    expect(account.complete_through_ledger).toBeGreaterThanOrEqual(stack.rippled.validatedLedger - 1);

    const accounts = await stack.api.get('/api/accounts', { token: admin.token });
    expect(accounts.body.data.map((a: { address: string }) => a.address).sort()).toEqual([alice, DEPOSITS].sort());
    const byTag = await stack.api.get(`/api/transactions?account=${alice}&destination_tag=7&limit=100`, { token: admin.token });
    expect(byTag.body.data).toHaveLength(48);
    const oneLedger = await stack.api.get(`/api/transactions?ledger_index=${listed[0]!.ledger_index}`, { token: admin.token });
    expect(oneLedger.body.data).toHaveLength(25);
  });

  it('shows new payments as they stream in, partial payments by what they delivered', async () => {
    await stack.following(alice);
    const payment = xrpPayment({ from: dave, to: alice, drops: 15_000_000n, tag: 9 });
    const closedAt = Date.now();
    stack.rippled.closeLedger([payment]);
    await waitVisible([payment], 10_000);
    console.log(`streamed payment visible over HTTP after ${Date.now() - closedAt} ms`);

    const partial = partialXrpPayment({ from: dave, to: alice, sentDrops: 2_000_000n, deliveredDrops: 1_000_000n });
    const partialIou = partialIssuedPayment({ from: alice, to: erin });
    const failed = failedPayment({ from: dave, to: alice });
    stack.rippled.closeLedger([partial, partialIou, failed]);
    await waitVisible([partial, partialIou, failed]);
    expect((await stack.api.get(`/api/transactions/${failed.tx.hash}`, { token: admin.token })).body).toMatchObject({
      result: 'tecPATH_DRY',
      received: false,
      delivered_amount: null,
    });
    const xrp = (await stack.api.get(`/api/transactions/${partial.tx.hash}`, { token: admin.token })).body;
    expect(xrp).toMatchObject({
      partial: true,
      received: true,
      delivered_amount: { currency: 'XRP', issuer: null, value: '1.000000' },
    });
    const iou = (await stack.api.get(`/api/transactions/${(partialIou.tx.hash as string).toLowerCase()}`, { token: admin.token }))
      .body;
    expect(iou).toMatchObject({
      partial: true,
      delivered_amount: { currency: 'USD', issuer: ADDRESSES.issuer, value: '9.980039920159681' },
    });
  });

  it('sees every payment made while the connection was down, none twice', async () => {
    stack.rippled.refuseConnections(true);
    stack.rippled.dropConnections();
    const missed: LedgerTransaction[] = [];
    for (let i = 0; i < 10; i++) {
      const batch = [
        xrpPayment({ from: dave, to: alice, drops: BigInt(100 + i) }),
        xrpPayment({ from: alice, to: bob, drops: BigInt(200 + i) }),
      ];
      missed.push(...batch);
      stack.rippled.closeLedger(batch);
      await sleep(150);
    }
    stack.rippled.refuseConnections(false);
    await waitVisible(missed);
    const listed = await allPayments(`account=${alice}`);
    expect(new Set(listed.map((p) => p.hash)).size).toBe(listed.length);
    expect(listed).toHaveLength(1_200 + 4 + 20);
  });

  it('credits destination-tag deposits to the right user exactly once, though the stream and a backfill both see them', async () => {
    const ann = await stack.api.signUp('xrpl-ann@example.com');
    const ben = await stack.api.signUp('xrpl-ben@example.com');
    const annAddress = await stack.api.post('/v1/deposit/address', { currency: 'XRP' }, { token: ann.token });
    const benAddress = await stack.api.post('/v1/deposit/address', { currency: 'XRP' }, { token: ben.token });
    expect(annAddress.status).toBe(200);
    expect(annAddress.body).toMatchObject({ currency: 'XRP', chain: 'xrpl', address: DEPOSITS });
    expect(benAddress.body.address).toBe(DEPOSITS);
    expect(benAddress.body.destination_tag).not.toBe(annAddress.body.destination_tag);
    expect((await stack.api.post('/v1/deposit/address', { currency: 'XRP' }, { token: ann.token })).body).toEqual(
      annAddress.body,
    );

    const annTag = Number(annAddress.body.destination_tag);
    const deposit = xrpPayment({ from: dave, to: DEPOSITS, drops: 25_500_000n, tag: annTag });
    const partialDeposit = partialXrpPayment({
      from: erin,
      to: DEPOSITS,
      sentDrops: 9_000_000n,
      deliveredDrops: 4_000_000n,
      tag: annTag,
    });
    const unknownTag = xrpPayment({ from: dave, to: DEPOSITS, drops: 3_000_000n, tag: 12 });
    const missingTag = xrpPayment({ from: dave, to: DEPOSITS, drops: 4_000_000n });
    const dollars = issuedPayment({
      from: dave,
      to: DEPOSITS,
      currency: 'USD',
      issuer: ADDRESSES.issuer,
      value: '12.5',
      tag: annTag,
    });
    stack.rippled.closeLedger([deposit, partialDeposit, unknownTag, missingTag, dollars]);
    await expect.poll(() => xrpBalance(ann.token), { timeout: 30_000 }).toBe('29.500000');

    // the same transactions again, through a backfill of the deposit address
    const resync = await stack.api.post(`/api/accounts/${DEPOSITS}/resync`, undefined, { token: admin.token });
    expect(resync.status).toBe(202);
    await backfillDone(DEPOSITS);
    const backfill = (await stack.api.get(`/api/accounts/${DEPOSITS}`, { token: admin.token })).body.backfill;
    expect(backfill).toMatchObject({ mode: 'full', payments: 5, inserted: 0 });
    const deposits = await stack.api.get('/v1/deposits?currency=XRP', { token: ann.token });
    expect(deposits.body.data).toHaveLength(2);
    expect(deposits.body.data.map((d: { amount: string; status: string }) => [d.amount, d.status]).sort()).toEqual([
      ['25.500000', 'credited'],
      ['4.000000', 'credited'],
    ]);
    expect(await xrpBalance(ann.token)).toBe('29.500000');
    expect(await xrpBalance(ben.token)).toBe('0.000000');

    const unmatched = await stack.api.get('/v1/ops/xrpl/unmatched', { token: admin.token });
    expect(
      unmatched.body.data.map((p: { hash: string; deposit: { status: string } }) => [p.hash, p.deposit.status]).sort(),
    ).toEqual(
      [
        [unknownTag.tx.hash, 'unknown_tag'],
        [missingTag.tx.hash, 'missing_tag'],
        [dollars.tx.hash, 'not_xrp'],
      ].sort(),
    );

    // an operator credits the one with the unknown tag to Ben, who says he sent it; only once
    const assign = (hash: unknown, userId: string) =>
      stack.api.post(`/v1/ops/xrpl/unmatched/${hash}/assign`, { user_id: userId }, { token: admin.token });
    const assigned = await assign(unknownTag.tx.hash, ben.id);
    expect(assigned.status).toBe(202);
    expect(assigned.body).toMatchObject({
      user_id: ben.id,
      currency: 'XRP',
      amount: '3.000000',
      workflow_id: `deposit:xrpl:${unknownTag.tx.hash}:0`,
    });
    await expect.poll(() => xrpBalance(ben.token), { timeout: 30_000 }).toBe('3.000000');
    expect((await assign(unknownTag.tx.hash, ben.id)).status).toBe(409);
    expect((await assign(deposit.tx.hash, ben.id)).status).toBe(409);
    const notXrp = await assign(dollars.tx.hash, ben.id);
    expect([notXrp.status, notXrp.body.code]).toEqual([422, 'deposit_not_assignable']);
    expect((await assign('F'.repeat(64), ben.id)).status).toBe(404);
    expect((await assign(missingTag.tx.hash, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(
      (await stack.api.post(`/v1/ops/xrpl/unmatched/${missingTag.tx.hash}/assign`, { user_id: ben.id }, { token: ben.token }))
        .status,
    ).toBe(403);
    const stillUnmatched = await stack.api.get('/v1/ops/xrpl/unmatched', { token: admin.token });
    expect(stillUnmatched.body.data.map((p: { hash: string }) => p.hash).sort()).toEqual(
      [missingTag.tx.hash, dollars.tx.hash].sort(),
    );
    const notified = await stack.api.get('/v1/notifications', { token: ann.token });
    expect(notified.body.data.filter((n: { kind: string }) => n.kind === 'deposit_credited')).toHaveLength(2);
    const audit = await stack.api.post('/v1/ops/audit', undefined, { token: admin.token });
    expect(audit.body).toMatchObject({ ok: true, drifts: [] });
  });

  it('follows accounts added and removed through the API without a restart', async () => {
    const added = await stack.api.post('/api/accounts', { address: bob }, { token: admin.token });
    expect(added.status).toBe(201);
    await stack.following(bob);
    await backfillDone(bob);
    const toBob = xrpPayment({ from: erin, to: bob, drops: 5n });
    stack.rippled.closeLedger([toBob]);
    await waitVisible([toBob]);
    expect((await allPayments(`account=${bob}`)).length).toBe(10 + 1); // its history: the ten from alice, and this one

    expect((await stack.api.delete(`/api/accounts/${bob}`, { token: admin.token })).status).toBe(204);
    await expect.poll(() => stack.rippled.subscribedAccounts().has(bob), { timeout: 10_000 }).toBe(false);
    const remaining = await allPayments(`account=${bob}`);
    expect(remaining).toHaveLength(10); // alice's payments to bob stay with alice
    expect(remaining.every((p) => p.source === alice)).toBe(true);
    expect((await stack.api.get(`/api/accounts/${bob}`, { token: admin.token })).status).toBe(404);
  });

  it('misses nothing when the listener is killed mid-stream and restarted, or fails over to a standby; signals what was left unsignalled', async () => {
    const ann = await stack.api.login('xrpl-ann@example.com', 'a long enough password');
    const annTag = Number(
      (await stack.api.post('/v1/deposit/address', { currency: 'XRP' }, { token: ann })).body.destination_tag,
    );
    // a deposit committed by a listener that died before signalling its workflow: the outbox signals it
    await storePayments(stack.db.sql, [
      {
        hash: randomHash(),
        ledgerIndex: stack.rippled.validatedLedger,
        transactionIndex: 999,
        closeTime: new Date(),
        source: dave,
        destination: DEPOSITS,
        destinationTag: BigInt(annTag),
        sourceTag: null,
        result: 'tesSUCCESS',
        partial: false,
        delivered: { kind: 'xrp', drops: 500_000n },
      },
    ]);
    const produced: LedgerTransaction[] = [];
    let n = 0;
    stack.rippled.autoClose(100, () => {
      n += 1;
      const batch = [xrpPayment({ from: randomAddress(), to: alice, drops: BigInt(n) })];
      if (n % 10 === 0) batch.push(xrpPayment({ from: dave, to: DEPOSITS, drops: 1_000_000n, tag: annTag }));
      produced.push(...batch);
      return batch;
    });
    try {
      await sleep(1_000);
      await listener.stop('SIGKILL');
      await sleep(1_500);
      listener = stack.spawnListener();
      await stack.following(alice);
      await sleep(1_000);

      // a second listener stands by while the first leads; when the leader dies, it takes over
      const standby = stack.spawnListener('listener-xrpl-standby');
      await waitUntil(
        'the standby listener',
        async () => {
          if (!(await logOf(standby)).includes('standing by')) throw new Error('not yet');
        },
        { timeoutMs: 60_000 },
      );
      await listener.stop('SIGKILL');
      await waitUntil(
        'the standby leading',
        async () => {
          if (!(await logOf(standby)).includes('this is the active XRPL listener')) throw new Error('not yet');
        },
        { timeoutMs: 60_000 },
      );
      listener = standby;
      await stack.following(alice);
      await sleep(500);
    } finally {
      stack.rippled.stopAutoClose();
    }
    await waitVisible(produced, 60_000);
    const deposits = produced.filter((t) => t.tx.Destination === DEPOSITS);
    expect(deposits.length).toBeGreaterThan(0);
    await expect
      .poll(() => xrpBalance(ann), { timeout: 30_000 })
      .toBe(formatAmount(30_000_000n + BigInt(deposits.length) * 1_000_000n, 6));
  });
});

const logOf = (service: ServiceProcess) => readFile(service.logFile!, 'utf8').catch(() => '');
