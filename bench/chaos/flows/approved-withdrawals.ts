/**
 * Withdrawals through an operator's approval in the flows storm: USDT withdrawals all above the approval threshold,
 * confirmed with the mailed code, then approved, rejected, or approved while their user cancels (the two race), each
 * request retried through the kills. Counts withdrawals paid on chain more than once or without succeeding, and holds
 * neither spent (succeeded: posted) nor released (any other end: voided), or both.
 */
import { Contract, Wallet } from 'ethers';
import type { JsonRpcProvider } from 'ethers';
import { waitUntil } from '../../../platform/embedded/process.js';
import { mailedCode, sleep, type ChaosRow } from '../support.js';
import type { FlowsContext, StormFlow, StormUser } from './context.js';

const SETTINGS = {
  enabled: true,
  min_amount: '1',
  max_amount: null,
  daily_limit: null,
  monthly_limit: null,
  fee_fixed: '1',
  fee_percent: '0',
  approval_threshold: '2', // every withdrawal of the flow waits for an operator
  confirmations: 2,
};
const DECISIONS = ['approve', 'approve', 'reject', 'approve and cancel'] as const;
const FINAL = ['succeeded', 'rejected', 'cancelled', 'expired', 'closed'];

export async function approvedWithdrawalFlow(
  ctx: FlowsContext,
  count: number,
  scenario: string,
  provider: JsonRpcProvider,
): Promise<StormFlow> {
  const { api, adminToken, sql } = ctx.stack;
  ctx.must('settings', await api.put('/v1/ops/settings/withdrawals/USDT', SETTINGS, { token: adminToken }), 200);
  const users = await ctx.fundedUsers('flows-withdraw', ['USDT']);
  const withdrawals = new Map<string, { user: StormUser; destination: string }>();
  const statusOf = async (id: string, user: StormUser) =>
    ctx.must('withdrawal', await ctx.call(() => api.get(`/v1/withdrawals/${id}`, { token: user.token }), 'withdrawal'), 200)
      .status as string;
  const decide = (id: string, user: StormUser, decision: (typeof DECISIONS)[number]) => {
    const operator = (action: string, body?: unknown) =>
      ctx.post(action, `/v1/ops/withdrawals/${id}/${action}`, body, adminToken).then((r) => ctx.must(action, r, 200, 409));
    if (decision === 'reject') return operator('reject', { reason: 'refused in the storm' });
    if (decision === 'approve') return operator('approve');
    // the cancel follows the approval by up to a second, so either may be recorded first
    const cancel = sleep(Math.random() * 1_000).then(() =>
      ctx.post('cancel', `/v1/withdrawals/${id}/cancel`, undefined, user.token),
    );
    return Promise.all([operator('approve'), cancel.then((r) => ctx.must('cancel', r, 200, 409))]);
  };
  const run = () =>
    ctx.spread(count, async (i) => {
      const user = users[i % users.length]!;
      const destination = Wallet.createRandom().address;
      const body = { currency: 'USDT', amount: '5', address: destination };
      const created = await ctx.post('withdrawal', '/v1/withdrawals', body, user.token, `flows-withdrawal-${i}`);
      const id = String(ctx.must('withdrawal', created, 202).id);
      withdrawals.set(id, { user, destination });
      const code = await mailedCode(ctx.call, ctx.stack, user.email, id, 300_000);
      const confirmed = await ctx.post('confirm', `/v1/withdrawals/${id}/confirm`, { code }, user.token);
      ctx.must('confirm', confirmed, 200, 409);
      await waitUntil(
        `withdrawal ${id} awaiting approval`,
        async () => {
          const status = await statusOf(id, user);
          if (status === 'awaiting_confirmation') throw new Error(status);
        },
        { timeoutMs: 300_000, intervalMs: 1_000 },
      );
      await decide(id, user, DECISIONS[i % DECISIONS.length]!);
    });
  const open = async () => {
    const [row] = await sql`
      select count(*)::int as n from withdrawals where id = any(${[...withdrawals.keys()]}::uuid[]) and status <> all(${FINAL})`;
    return row!.n as number;
  };
  const check = async (): Promise<ChaosRow[]> => {
    const usdtAddress = (await api.get('/v1/currencies')).body.data.find((c: { code: string }) => c.code === 'USDT')
      .token_contract as string;
    const token = new Contract(usdtAddress, ['function balanceOf(address) view returns (uint256)'], provider);
    const rows = await sql`
      select w.id, w.status, w.amount, w.fee,
             (select count(*)::int from ledger_transfers t where t.pending_key = 'withdrawal:' || w.id || ':hold' and t.kind = 'post') as posts,
             (select count(*)::int from ledger_transfers t where t.pending_key = 'withdrawal:' || w.id || ':hold' and t.kind = 'void') as voids
      from withdrawals w where w.id = any(${[...withdrawals.keys()]}::uuid[])`;
    let paidWrong = 0;
    let holdsWrong = 0;
    let unfinished = 0;
    for (const w of rows) {
      const { user, destination } = withdrawals.get(String(w.id))!;
      const received = (await token.getFunction('balanceOf')(destination)) as bigint;
      const succeeded = w.status === 'succeeded';
      if (received > BigInt(w.amount) || (!succeeded && received > 0n) || (succeeded && received < BigInt(w.amount))) paidWrong++;
      if (!FINAL.includes(w.status)) unfinished++;
      else if (succeeded ? w.posts !== 1 || w.voids !== 0 : w.posts !== 0 || w.voids !== 1) holdsWrong++;
      if (succeeded) ctx.book(user.id, 'USDT', -BigInt(w.amount) - BigInt(w.fee));
    }
    const statuses = rows.reduce<Record<string, number>>((n, w) => ({ ...n, [w.status]: (n[w.status] ?? 0) + 1 }), {});
    console.log(`  approved withdrawals: ${JSON.stringify(statuses)}`);
    return [
      { scenario, count: `withdrawals not acknowledged once (of ${count})`, value: count - withdrawals.size },
      { scenario, count: 'withdrawals not final', value: unfinished },
      { scenario, count: 'withdrawals paid twice, or paid without succeeding, or succeeded unpaid', value: paidWrong },
      { scenario, count: 'withdrawal holds neither spent nor released once', value: holdsWrong },
    ];
  };
  return { users, run, open, check };
}
