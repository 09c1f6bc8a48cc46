/**
 * XRPL reconciliation against the rippled double: the hot wallet topped up by a payment from outside Sluice (seen by
 * the XRPL listener, booked against external:xrpl), then paying a withdrawal whose Fee is booked to fees:network:xrpl;
 * a deposit under the minimum held on the deposit address. account_info of the two wallets at the listener's
 * checkpoints then matches the ledger to the drop, the held deposit named as such.
 */
import { Client, Wallet } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount } from '../../domain/money.js';
import { eventually } from '../support/evm.js';
import { randomAddress } from '../support/rippled/payments.js';
import { fund, mailTo } from '../support/stack.js';
import { startXrplPayoutStack, type XrplStack } from '../support/xrpl-stack.js';

const XRP = 1_000_000n;
const hotWallet = Wallet.generate();
const outsider = Wallet.generate();
let stack: XrplStack;

beforeAll(async () => {
  stack = await startXrplPayoutStack(hotWallet, { address: outsider.classicAddress, drops: 10_000n * XRP });
});
afterAll(async () => {
  await stack?.stop();
});

const ops = () => ({ token: stack.admin.token });

describe('XRPL reconciliation', () => {
  // its own waits (a withdrawal's approval and payout, a minute each at most, then the checkpoints and the
  // reconciliation) need more than the suite's minute when a loaded machine runs it beside other stacks
  it(
    'books a top-up of the hot wallet and a payout’s fee, and names a held deposit, leaving no drift',
    { timeout: 180_000 },
    async () => {
      const settings = await stack.api.put('/v1/ops/settings/deposits/XRP/default', { values: { min_amount: '50' } }, ops());
      expect(settings.status).toBe(200);
      const depositor = await stack.api.signUp('xrpl-reconcile-held@example.com');
      const tag = (await stack.api.post('/v1/deposit/address', { currency: 'XRP' }, { token: depositor.token })).body
        .destination_tag;
      await stack.following(stack.depositAddress);
      const client = new Client(stack.rippled.url);
      await client.connect();
      try {
        const { result } = await client.submit(
          {
            TransactionType: 'Payment',
            Account: outsider.classicAddress,
            Destination: hotWallet.classicAddress,
            Amount: (500n * XRP).toString(),
          },
          { autofill: true, wallet: outsider },
        );
        expect(result.engine_result).toBe('tesSUCCESS');
        await eventually('the top-up recorded', async () => {
          const [row] = await stack.db.sql`select 1 from xrpl_payments where hash = ${result.tx_json.hash!}`;
          return Boolean(row);
        });
        // under the deposit minimum: it stays on the deposit address (custody), uncredited
        const deposit = await client.submit(
          {
            TransactionType: 'Payment',
            Account: outsider.classicAddress,
            Destination: stack.depositAddress,
            DestinationTag: Number(tag),
            Amount: (20n * XRP).toString(),
          },
          { autofill: true, wallet: outsider },
        );
        expect(deposit.result.engine_result).toBe('tesSUCCESS');
        await eventually('the small deposit held', async () =>
          (await stack.api.get('/v1/deposits', { token: depositor.token })).body.data.some(
            (d: { status: string }) => d.status === 'held',
          ),
        );
      } finally {
        await client.disconnect();
      }

      const user = await stack.api.signUp('xrpl-reconcile@example.com');
      await fund(stack, user.id, 'XRP', '100');
      const created = await stack.api.post(
        '/v1/withdrawals',
        { currency: 'XRP', amount: '20', address: randomAddress() },
        { token: user.token, headers: { 'idempotency-key': 'xrpl-reconcile-1' } },
      );
      const code = /\b(\d{6})\b/.exec((await mailTo(stack, user.email, /withdrawal code/)).subject)![1];
      await stack.api.post(`/v1/withdrawals/${created.body.id}/confirm`, { code }, { token: user.token });
      const status = async () => (await stack.api.get(`/v1/withdrawals/${created.body.id}`, { token: user.token })).body.status;
      await expect.poll(status, { timeout: 60_000 }).toBe('awaiting_approval');
      await stack.api.post(`/v1/ops/withdrawals/${created.body.id}/approve`, undefined, ops());
      await expect.poll(status, { timeout: 60_000 }).toBe('succeeded');

      // custody is read at the listener's checkpoints, a ledger behind the newest: wait until they pass the payout
      await eventually("the listener's checkpoints past every payment", async () => {
        const [behind] = await stack.db.sql`
        select 1 from xrpl_accounts a join xrpl_payments m on a.address in (m.source, m.destination)
        where a.complete_through_ledger < m.ledger_index limit 1`;
        return !behind;
      });
      const started = await stack.api.post('/v1/ops/reconciliations', undefined, ops());
      const result = await eventually('the reconciliation done', async () => {
        const r = (await stack.api.get(`/v1/ops/reconciliations/${started.body.id}`, ops())).body;
        return r.state === 'done' && r;
      });
      const hot = result.accounts.find((l: { account: string }) => l.account === 'custody:hot:xrpl');
      const onChain = stack.rippled.balanceOf(hotWallet.classicAddress);
      expect(onChain).toBeLessThan(480n * XRP); // the payout and its fee left
      expect(stack.rippled.balanceOf(stack.depositAddress)).toBe(20n * XRP);
      expect(hot).toMatchObject({
        currency: 'XRP',
        chain: formatAmount(onChain + 20n * XRP, 6),
        drift: '20.000000',
        held: '20.000000',
        unexplained: '0.000000',
        alert: false,
      });
      expect(result.ok).toBe(true);
      // booked by this run or by the worker's periodic booking before it
      const booked = await stack.db.sql`
      select metadata ->> 'type' as type, amount from ledger_transfers
      where key like 'network-fee:xrpl:%' or key like 'custody-inflow:xrpl:%' order by type`;
      expect(booked.map((b) => [b.type, b.amount])).toEqual([
        ['custody_top_up', 500n * XRP],
        ['network_fee', 500n * XRP - 20n * XRP - onChain],
      ]);
    },
  );
});
