/**
 * A kill -9 storm on the dev stack: EVM deposits (ETH and USDT) and withdrawals run while the worker, the EVM
 * listener and the API are killed with SIGKILL at random moments (the supervisor restarts them). Clients retry a
 * failed request with the same Idempotency-Key. Counts deposits lost or credited twice, sweeps sent twice,
 * withdrawals paid twice or never, and the ledger audit at the end.
 *   CHAOS_STORM_DEPOSITS (1000), CHAOS_STORM_WITHDRAWALS (200), CHAOS_STORM_KILLS (20) set the sizes.
 */
import { Contract, NonceManager, Wallet, parseEther, parseUnits } from 'ethers';
import { DevAccount, devPrivateKey } from '../../chains/evm/dev-accounts.js';
import { waitUntil } from '../../platform/embedded/process.js';
import { runConcurrently } from '../support/stats.js';
import {
  auditRows,
  killAtRandom,
  mailedCode,
  retryingClient,
  signUpVerified,
  sleep,
  startStormStack,
  type ChaosRow,
} from './support.js';

const DEPOSITS = Number(process.env.CHAOS_STORM_DEPOSITS ?? 1_000);
const WITHDRAWALS = Number(process.env.CHAOS_STORM_WITHDRAWALS ?? 200);
const KILLS = Number(process.env.CHAOS_STORM_KILLS ?? 20);
const DEPOSIT_WALLETS = Math.min(50, DEPOSITS);
const WITHDRAWING_USERS = Math.min(10, WITHDRAWALS);
const VICTIMS = ['worker', 'listener-evm', 'api'];
const ERC20 = [
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
];

export async function killStorm(): Promise<ChaosRow[]> {
  const scenario = `kill -9 storm: ${DEPOSITS} deposits, ${WITHDRAWALS} withdrawals, ${KILLS} kills`;
  const { stack, provider } = await startStormStack('chaos-storm');
  const { api, adminToken, sql } = stack;
  const { call, unexpected } = retryingClient();
  try {
    const usdtAddress = (await api.get('/v1/currencies')).body.data.find((c: { code: string }) => c.code === 'USDT')
      .token_contract as string;
    for (const [currency, fee] of [
      ['ETH', '0.001'],
      ['USDT', '1'],
    ] as const) {
      const settings = { enabled: true, min_amount: '0.000001', max_amount: null, daily_limit: null, monthly_limit: null };
      const body = { ...settings, fee_fixed: fee, fee_percent: '0', approval_threshold: null, confirmations: 2 };
      await api.put(`/v1/ops/settings/withdrawals/${currency}`, body, { token: adminToken });
    }
    const depositors = await signUpVerified(stack, DEPOSIT_WALLETS, 'storm-deposit');
    const withdrawers = await signUpVerified(stack, WITHDRAWING_USERS, 'storm-withdraw');
    for (const user of withdrawers) {
      for (const [currency, amount] of [
        ['ETH', '100'],
        ['USDT', '100000'],
      ]) {
        await api.post(
          '/v1/ops/adjustments',
          { user_id: user.id, currency, amount, reason: 'storm funding' },
          { token: adminToken, headers: { 'idempotency-key': `fund-${user.id}-${currency}` } },
        );
      }
    }

    // the storm: kills at random moments while deposits and withdrawals flow and settle
    const storm = killAtRandom(stack, VICTIMS, KILLS);

    const customer = new NonceManager(new Wallet(devPrivateKey(DevAccount.Customer), provider));
    const usdt = new Contract(usdtAddress, ERC20, new NonceManager(new Wallet(devPrivateKey(DevAccount.Deployer), provider)));
    const sent: Array<{ hash: string; user: number; wei: bigint; units: bigint }> = [];
    const depositing = runConcurrently(DEPOSITS, 4, async (i) => {
      const user = i % DEPOSIT_WALLETS;
      const wei = i % 2 === 0 ? parseEther('0.05') : 0n;
      const units = i % 2 === 0 ? 0n : parseUnits('20', 6);
      const tx =
        i % 2 === 0
          ? await customer.sendTransaction({ to: depositors[user]!.address, value: wei })
          : await usdt.getFunction('transfer')(depositors[user]!.address, units);
      sent.push({ hash: tx.hash.toLowerCase(), user, wei, units });
      await sleep(50);
    });
    const withdrawals: Array<{ id: string; currency: string; destination: string; amount: bigint; token: string }> = [];
    const stuck: string[] = []; // withdrawals whose code never came, or that never got past it, within the waits
    const withdrawing = runConcurrently(WITHDRAWALS, 4, async (i) => {
      const user = withdrawers[i % WITHDRAWING_USERS]!;
      const currency = i % 2 === 0 ? 'ETH' : 'USDT';
      const destination = Wallet.createRandom().address;
      const amount = currency === 'ETH' ? '0.01' : '5';
      const created = await call(() =>
        api.post(
          '/v1/withdrawals',
          { currency, amount, address: destination },
          {
            token: user.token,
            headers: { 'idempotency-key': `storm-${i}` },
          },
        ),
      );
      if (created.status !== 202) throw new Error(`withdrawal ${i}: ${created.status} ${JSON.stringify(created.body)}`);
      const id = created.body.id as string;
      const record = () => {
        withdrawals.push({
          id,
          currency,
          destination,
          amount: currency === 'ETH' ? parseEther(amount) : parseUnits(amount, 6),
          token: user.token,
        });
      };
      let code = '';
      // 20 withdrawals a user, each with its mails; a code that never comes is a stuck withdrawal
      const mailed = await mailedCode(call, stack, user.email, id, 600_000).then(
        (received) => {
          code = received;
          return true;
        },
        (error: unknown) => {
          stuck.push(id);
          console.log(`  withdrawal ${id} stuck: ${error instanceof Error ? error.message : String(error)}`);
          return false;
        },
      );
      if (!mailed) return record();
      const confirmed = await call(() => api.post(`/v1/withdrawals/${id}/confirm`, { code }, { token: user.token }));
      if (confirmed.status !== 200)
        console.log(`  withdrawal ${id}: confirm answered ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
      await waitUntil(
        `withdrawal ${id} past its code`,
        async () => {
          const status = (await call(() => api.get(`/v1/withdrawals/${id}`, { token: user.token }))).body.status as string;
          if (status === 'awaiting_approval')
            await call(() => api.post(`/v1/ops/withdrawals/${id}/approve`, undefined, { token: adminToken }));
          if (status === 'awaiting_confirmation' || status === 'awaiting_approval') throw new Error(status);
        },
        { timeoutMs: 300_000, intervalMs: 1_000 },
      ).catch((error: unknown) => {
        stuck.push(id);
        console.log(`  withdrawal ${id} stuck: ${error instanceof Error ? error.message : String(error)}`);
      });
      record();
    });
    await Promise.all([depositing, withdrawing, storm.finished]);
    const kills = storm.done();

    // the end state: every deposit credited and swept, every withdrawal final
    const hashes = sent.map((s) => s.hash);
    await waitUntil(
      'every deposit credited and swept, every withdrawal final',
      async () => {
        const [open] = await sql`
          select (select count(*)::int from deposits where tx_hash = any(${hashes}) and status = 'credited') as credited,
                 (select count(*)::int from evm_deposit_observations o join deposits d on d.id = o.deposit_id
                   where d.tx_hash = any(${hashes}) and o.collected_by is null) as unswept,
                 (select count(*)::int from withdrawals
                   where status in ('awaiting_confirmation', 'awaiting_approval', 'queued', 'broadcast')) as open`;
        if (open!.credited < hashes.length || open!.unswept > 0 || open!.open > 0) throw new Error(JSON.stringify(open));
      },
      { timeoutMs: 300_000, intervalMs: 5_000 },
    ).catch((error: unknown) => console.log(`  not settled in time: ${error instanceof Error ? error.message : String(error)}`));

    const [credited] = await sql`select count(*)::int as n from deposits where tx_hash = any(${hashes}) and status = 'credited'`;
    // a user's ETH / USDT is exactly what was sent to their wallet: more means a deposit was credited twice
    let overCredited = 0;
    for (const [i, user] of depositors.entries()) {
      const balances = (await api.get('/v1/balances', { token: user.token })).body.data as Array<{
        currency: string;
        posted: string;
      }>;
      const posted = (c: string) => balances.find((b) => b.currency === c)?.posted ?? '0';
      const wei = sent.filter((s) => s.user === i).reduce((sum, s) => sum + s.wei, 0n);
      const units = sent.filter((s) => s.user === i).reduce((sum, s) => sum + s.units, 0n);
      if (parseEther(posted('ETH')) > wei) overCredited++;
      if (parseUnits(posted('USDT'), 6) > units) overCredited++;
    }
    const [twiceSwept] = await sql`
      select count(*)::int as n from (select d from evm_sweeps, unnest(deposit_ids) d where status = 'confirmed' group by d having count(*) > 1) x`;
    // every transaction a deposit wallet ever sent on chain must be a send Sluice recorded (one nonce each)
    let unrecordedSends = 0;
    for (const user of depositors) {
      const [recorded] =
        await sql`select count(*)::int as n from evm_sends where lower(from_address) = ${user.address.toLowerCase()}`;
      unrecordedSends += Math.max(0, (await provider.getTransactionCount(user.address)) - (recorded!.n as number));
    }
    const token = new Contract(usdtAddress, ERC20, provider);
    let paidTwice = 0;
    let unpaid = 0;
    for (const w of withdrawals) {
      const received =
        w.currency === 'ETH'
          ? await provider.getBalance(w.destination)
          : ((await token.getFunction('balanceOf')(w.destination)) as bigint);
      const status = (await api.get(`/v1/withdrawals/${w.id}`, { token: w.token })).body.status;
      if (received > w.amount) paidTwice++;
      if (status === 'succeeded' && received < w.amount) unpaid++;
    }
    const [succeeded] = await sql`select count(*)::int as n from withdrawals where status = 'succeeded'`;
    // a code mail is sent once per withdrawal: a second one (a retried activity) means a second, different code
    let codesSentTwice = 0;
    for (const user of withdrawers) {
      const inbox = await api.get(`/v1/ops/mail?to=${encodeURIComponent(user.email)}&limit=100`, { token: adminToken });
      const texts = (inbox.body.data ?? []).map((m: { text: string }) => m.text) as string[];
      for (const w of withdrawals.filter((x) => x.token === user.token)) {
        if (texts.filter((t) => t.includes(w.id)).length > 1) codesSentTwice++;
      }
    }
    console.log(
      `  ${scenario}: ${kills} kills done; ${credited!.n} of ${hashes.length} deposits credited; ${succeeded!.n} of ${withdrawals.length} withdrawals succeeded`,
    );
    return [
      { scenario, count: `kills not done (of ${KILLS})`, value: KILLS - kills },
      { scenario, count: 'API answers 5xx other than 503', value: unexpected.length },
      { scenario, count: 'deposits lost (not credited)', value: hashes.length - (credited!.n as number) },
      { scenario, count: 'deposits credited twice (balances above what was sent)', value: overCredited },
      { scenario, count: 'deposits swept twice', value: twiceSwept!.n as number },
      { scenario, count: 'deposit-wallet transactions on chain not recorded (a sweep sent twice)', value: unrecordedSends },
      { scenario, count: 'withdrawals paid twice', value: paidTwice },
      { scenario, count: 'withdrawals succeeded but not paid', value: unpaid },
      {
        scenario,
        count: `withdrawals not succeeded (of ${withdrawals.length})`,
        value: withdrawals.length - (succeeded!.n as number),
      },
      ...(await auditRows(scenario, api, adminToken)),
    ];
  } finally {
    provider.destroy();
    await stack.stop();
  }
}
