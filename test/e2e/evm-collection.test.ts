/**
 * EVM deposits and collection on the real stack (API, worker, EVM listener) and the shared anvil, driven over HTTP
 * as users and operators would: deposit addresses, ETH and USDT deposits credited after their confirmations and
 * swept to the cold wallet, ether a contract sends, fifty wallets at once, and a gas keeper that runs dry and is topped up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Contract, Wallet, parseEther, parseUnits, type JsonRpcProvider, type NonceManager } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { balanceOf } from '../../services/ledger/queries.js';
import {
  constructorPaying,
  deployUsdt,
  eventually,
  evmStackEnv,
  forwarderCreation,
  fundedWallet,
  setBalance,
  testProvider,
} from '../support/evm.js';
import { startStack, type Stack } from '../support/stack.js';

const ERC20 = [
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
];
const CHAIN = 'evm-31337';

let provider: JsonRpcProvider;
let customer: NonceManager;
let usdt: Contract;
let usdtAddress: string;
let gasKeeper: { address: string; privateKey: string };
let cold: string;
let stack: Stack;

beforeAll(async () => {
  provider = testProvider(inject('evmRpcUrl'));
  customer = await fundedWallet(provider, '10000');
  usdtAddress = await deployUsdt(provider, customer);
  usdt = new Contract(usdtAddress, ERC20, customer);
  gasKeeper = Wallet.createRandom();
  await setBalance(provider, gasKeeper.address, parseEther('50'));
  cold = Wallet.createRandom().address;
  stack = await startStack({
    env: evmStackEnv({ usdt: usdtAddress, gasKeeperKey: gasKeeper.privateKey, coldWallet: cold }),
    evmListener: true,
  });
});
afterAll(async () => {
  await stack?.stop();
  provider?.destroy();
});

const holdings = async (account: string, currency: string) => {
  const b = await balanceOf(stack.db.sql, account, currency);
  return b.debitsPosted - b.creditsPosted;
};
const tokenBalance = async (address: string) => (await usdt.getFunction('balanceOf')(address)) as bigint;

async function depositAddress(token: string, currency: string): Promise<string> {
  const response = await stack.api.post('/v1/deposit/address', { currency }, { token });
  expect(response.status).toBe(200);
  return response.body.address;
}

async function sweepsOf(address: string) {
  const response = await stack.api.get(`/v1/ops/collections?address=${address}`, { token: stack.admin.token });
  expect(response.status).toBe(200);
  return response.body.data as Array<{
    currency: string;
    status: string;
    amount: string;
    gas_spent: string;
    sweep_tx_hash: string;
    deposit_ids: string[];
  }>;
}

/** What the sweeps, deposits and sends stand at, shown when a wait times out. */
async function showState(error: unknown): Promise<never> {
  console.error(
    'sweeps',
    await stack.db.sql`select status, currency, last_error, count(*)::int from evm_sweeps group by 1, 2, 3`,
  );
  console.error(
    'deposits',
    await stack.db
      .sql`select d.status, o.state, count(*)::int from deposits d join evm_deposit_observations o on o.deposit_id = d.id group by 1, 2`,
  );
  console.error('sends', await stack.db.sql`select purpose, status, count(*)::int from evm_sends group by 1, 2`);
  console.error('checkpoint', await stack.db.sql`select * from evm_listener_checkpoints`, await provider.getBlockNumber());
  throw error;
}

describe('EVM deposits and collection', () => {
  it('gives a new user one stable deposit address for ETH and USDT and lists where currencies live', async () => {
    const user = await stack.api.signUp('evm-address@example.com');
    const eth = await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, { token: user.token });
    expect(eth.body).toMatchObject({ currency: 'ETH', chain: CHAIN, destination_tag: null });
    expect(eth.body.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await depositAddress(user.token, 'USDT')).toBe(eth.body.address);
    expect(await depositAddress(user.token, 'ETH')).toBe(eth.body.address);

    const other = await stack.api.signUp('evm-address-2@example.com');
    expect(await depositAddress(other.token, 'ETH')).not.toBe(eth.body.address);

    const currencies = await stack.api.get('/v1/currencies');
    const byCode = Object.fromEntries(currencies.body.data.map((c: { code: string }) => [c.code, c]));
    expect(byCode.USDT).toMatchObject({ network: 'evm', chain: CHAIN, token_contract: usdtAddress });
    expect(byCode.ETH).toMatchObject({ network: 'evm', chain: CHAIN, token_contract: null });

    const unsupported = await stack.api.post('/v1/deposit/address', { currency: 'USD' }, { token: user.token });
    expect(unsupported.status).toBe(422);
    const unknown = await stack.api.post('/v1/deposit/address', { currency: 'DOGE' }, { token: user.token });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'unknown_currency', errors: [{ path: 'currency' }] } });
    expect((await stack.api.post('/v1/deposit/address', { currency: 'ETH' })).status).toBe(401);
  });

  it('shows collections and the gas keeper to operators only, and names a bad filter', async () => {
    const user = await stack.api.signUp('evm-not-operator@example.com');
    for (const path of ['/v1/ops/collections', '/v1/ops/gas-keeper']) {
      expect((await stack.api.get(path)).status).toBe(401);
      expect((await stack.api.get(path, { token: user.token })).body).toMatchObject({ status: 403, code: 'forbidden' });
    }
    const bad = await stack.api.get('/v1/ops/collections?address=0x12&status=lost', { token: stack.admin.token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['address', 'status']);
    const keeper = await eventually('the gas keeper status', async () => {
      const view = (await stack.api.get('/v1/ops/gas-keeper', { token: stack.admin.token })).body;
      return view.balance !== null && view.balance !== undefined && view;
    });
    expect(keeper).toMatchObject({
      chain: CHAIN,
      address: gasKeeper.address.toLowerCase(),
      low: false,
      balance: '50.000000000000000000',
      queued: [],
    });
  });

  it(
    'credits ETH and USDT deposits after their confirmations and sweeps them to the cold wallet',
    { timeout: 120_000 },
    async () => {
      const user = await stack.api.signUp('evm-depositor@example.com');
      const address = await depositAddress(user.token, 'ETH');

      // USDT first: the wallet has no gas, so the gas keeper funds the token sweep
      await (await usdt.getFunction('transfer')(address, parseUnits('250', 6))).wait();
      const tokenSweep = await eventually(
        'the USDT sweep confirmed',
        async () => {
          const confirmed = (await sweepsOf(address)).find((s) => s.currency === 'USDT' && s.status === 'confirmed');
          return confirmed;
        },
        90_000,
      );
      expect(tokenSweep.amount).toBe('250.000000');
      expect(await tokenBalance(address)).toBe(0n);
      expect(await tokenBalance(cold)).toBe(parseUnits('250', 6));

      // then ETH: the native sweep takes the whole balance (the deposit and what the funding left) less its fee
      await (await customer.sendTransaction({ to: address, value: parseEther('1.5') })).wait();
      const credited = await eventually('both deposits credited', async () => {
        const deposits = (await stack.api.get('/v1/deposits', { token: user.token })).body.data;
        return deposits.length === 2 && deposits.every((d: { status: string }) => d.status === 'credited') && deposits;
      });
      expect(credited.map((d: { currency: string; amount: string }) => `${d.amount} ${d.currency}`).sort()).toEqual([
        '1.500000000000000000 ETH',
        '250.000000 USDT',
      ]);
      expect(credited.every((d: { confirmations: number }) => d.confirmations === 2)).toBe(true);
      const balances = (await stack.api.get('/v1/balances', { token: user.token })).body.data;
      expect(balances).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ currency: 'ETH', posted: '1.500000000000000000' }),
          expect.objectContaining({ currency: 'USDT', posted: '250.000000' }),
        ]),
      );
      const ethSweep = await eventually(
        'the ETH sweep confirmed',
        async () => {
          return (await sweepsOf(address)).find((s) => s.currency === 'ETH' && s.status === 'confirmed');
        },
        90_000,
      );
      expect(await provider.getBalance(cold)).toBe(parseEther(ethSweep.amount));
      expect(parseEther(ethSweep.amount)).toBeGreaterThan(parseEther('1.5') - parseEther(ethSweep.gas_spent));

      // what stays is the unused part of the most the sweep's fee could have been: less than one transfer's fee
      const dust = await provider.getBalance(address);
      const [sent] = await stack.db.sql`
      select s.gas_limit, s.effective_gas_price, a.max_fee_per_gas from evm_sends s join evm_send_attempts a on a.send_id = s.id
      where s.purpose = 'sweep' and s.from_address = ${address.toLowerCase()} and s.to_address = ${cold.toLowerCase()}`;
      expect(dust).toBe(sent!.gasLimit * (sent!.maxFeePerGas - sent!.effectiveGasPrice));
      expect(dust).toBeLessThan(sent!.gasLimit * sent!.maxFeePerGas);

      // the books match the chain: hot custody holds the dust, cold custody what the cold wallet received
      expect(await holdings(`custody:hot:${CHAIN}`, 'ETH')).toBe(dust);
      expect(await holdings(`custody:cold:${CHAIN}`, 'ETH')).toBe(await provider.getBalance(cold));
      expect(await holdings(`custody:hot:${CHAIN}`, 'USDT')).toBe(0n);
      expect(await holdings(`custody:cold:${CHAIN}`, 'USDT')).toBe(parseUnits('250', 6));
      const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
      expect(audit.body).toMatchObject({ ok: true, drifts: [] });

      // our own funding and sweep transactions were never taken for deposits
      const [row] = await stack.db.sql`select count(*)::int as count from deposits`;
      expect(row!.count).toBe(2);
    },
  );

  it(
    'credits ether a contract sends from its constructor or a call once, and sweeps it; never what a reverted call sent',
    { timeout: 120_000 },
    async () => {
      const users = await Promise.all(
        ['constructor', 'call', 'reverted'].map((name) => stack.api.signUp(`evm-inner-${name}@example.com`)),
      );
      const [byConstructor, byCall, byReverted] = await Promise.all(users.map((u) => depositAddress(u.token, 'ETH')));
      const deploy = async (data: string) => (await (await customer.sendTransaction({ data })).wait())!.contractAddress!;
      const forwarder = await deploy(forwarderCreation(byCall!));
      const reverting = await deploy(forwarderCreation(byReverted!, 'revert'));

      // a constructor calling the reverting contract with 0.3 ETH and carrying on: the transaction succeeds, the
      // payment inside the reverted call is undone (the gas limit lets that call get as far as paying)
      const undone = await (
        await customer.sendTransaction({ data: constructorPaying(reverting), value: parseEther('0.3'), gasLimit: 200_000n })
      ).wait();
      expect(undone!.status).toBe(1);
      const trace = await provider.send('debug_traceTransaction', [undone!.hash, { tracer: 'callTracer' }]);
      expect(trace.calls[0]).toMatchObject({ error: 'execution reverted', calls: [{ to: byReverted!.toLowerCase() }] });
      const paid = [
        await (await customer.sendTransaction({ data: constructorPaying(byConstructor!), value: parseEther('0.05') })).wait(),
        await (await customer.sendTransaction({ to: forwarder, value: parseEther('0.07') })).wait(),
      ];

      for (const [i, amount] of ['0.050000000000000000', '0.070000000000000000'].entries()) {
        const credited = await eventually('the contract’s payment credited', async () => {
          const deposits = (await stack.api.get('/v1/deposits', { token: users[i]!.token })).body.data;
          return deposits[0]?.status === 'credited' && deposits;
        });
        expect(credited).toEqual([expect.objectContaining({ currency: 'ETH', amount, tx_hash: paid[i]!.hash.toLowerCase() })]);
        const balances = (await stack.api.get('/v1/balances', { token: users[i]!.token })).body.data;
        expect(balances.find((b: { currency: string }) => b.currency === 'ETH')).toMatchObject({ posted: amount });
      }
      // recorded after the reverted payment's block: nothing for it
      expect((await stack.api.get('/v1/deposits', { token: users[2]!.token })).body.data).toEqual([]);
      expect(await provider.getBalance(byReverted!)).toBe(0n);
      const keys = await stack.db.sql`
        select tx_hash, event_index from deposits where tx_hash = any(${stack.db.sql.array(paid.map((r) => r!.hash.toLowerCase()))}::text[])`;
      expect(keys.map((k) => k.eventIndex).sort()).toEqual([1_000_000_001, 1_000_000_001]);

      for (const address of [byConstructor!, byCall!]) {
        await eventually(
          'the wallet swept',
          async () => (await sweepsOf(address)).some((s) => s.currency === 'ETH' && s.status === 'confirmed'),
          90_000,
        );
      }
    },
  );

  it(
    'credits and sweeps fifty wallets at once without a nonce collision; two that fail hold back no other',
    { timeout: 240_000 },
    async () => {
      const coldBefore = await tokenBalance(cold);
      const keeperNonceBefore = await provider.getTransactionCount(gasKeeper.address);
      const users = await Promise.all(Array.from({ length: 50 }, (_, i) => stack.api.signUp(`evm-many-${i}@example.com`)));
      const addresses = await Promise.all(users.map((u) => depositAddress(u.token, 'ETH')));
      const lower = stack.db.sql.array(addresses.map((a) => a.toLowerCase()));
      // two ETH wallets the worker cannot sign for (moved to fresh indexes of the sequence addresses take theirs from,
      // above any the listener has read, so it reads them there as new: a move to an index it has passed would hide
      // the wallet from it): their sweeps fail in the same ticks as the others' sends and bookings, alone, and go once
      // the indexes are right again
      const broken = [addresses[0]!.toLowerCase(), addresses[2]!.toLowerCase()] as const;
      const rightIndexes = await stack.db.sql`
        select address, hd_index from evm_deposit_addresses where address = any(${stack.db.sql.array([...broken])}::text[])`;
      await stack.db.sql`
        update evm_deposit_addresses set hd_index = nextval('evm_deposit_address_index')
        where address = any(${stack.db.sql.array([...broken])}::text[])`;
      const mendIndexes = () =>
        stack.db.sql.begin(async (tx) => {
          for (const row of rightIndexes) {
            await tx`update evm_deposit_addresses set hd_index = ${row.hdIndex as number} where address = ${row.address as string}`;
          }
        });
      const sent = await Promise.all(
        addresses.map((address, i) =>
          i % 2 === 0
            ? customer.sendTransaction({ to: address, value: parseEther('0.25') })
            : usdt.getFunction('transfer')(address, parseUnits('40', 6)),
        ),
      );
      await Promise.all(sent.map((tx) => tx.wait()));

      await eventually(
        'forty-eight sweeps confirmed, and the broken wallets failing',
        async () => {
          const [row] = await stack.db.sql`
          select count(*) filter (where status = 'confirmed')::int as confirmed,
            count(*) filter (where address = any(${stack.db.sql.array([...broken])}::text[]) and status = 'sending'
              and last_error like '%does not derive%')::int as broken_failing
          from evm_sweeps where address = any(${lower}::text[])`;
          return row!.confirmed === 48 && row!.brokenFailing === 2;
        },
        180_000,
        1_000,
      ).catch(showState);
      await mendIndexes();
      await eventually(
        'fifty sweeps confirmed',
        async () => {
          const [row] = await stack.db
            .sql`select count(*)::int as n from evm_sweeps where status = 'confirmed' and address = any(${stack.db.sql.array(addresses.map((a) => a.toLowerCase()))}::text[])`;
          return row!.n === 50;
        },
        180_000,
        1_000,
      ).catch(showState);

      const deposits = await stack.db
        .sql`select status, count(*)::int as n from deposits where address = any(${stack.db.sql.array(addresses.map((a) => a.toLowerCase()))}::text[]) group by status`;
      expect(deposits).toEqual([{ status: 'credited', n: 50 }]);
      for (const [i, u] of users.entries()) {
        const balances = (await stack.api.get('/v1/balances', { token: u.token })).body.data;
        const expected =
          i % 2 === 0 ? { currency: 'ETH', posted: '0.250000000000000000' } : { currency: 'USDT', posted: '40.000000' };
        expect(balances.find((b: { currency: string }) => b.currency === expected.currency)).toMatchObject(expected);
      }
      for (const address of addresses.filter((_, i) => i % 2 === 1)) expect(await tokenBalance(address)).toBe(0n);
      expect(await tokenBalance(cold)).toBe(coldBefore + 25n * parseUnits('40', 6));

      // one funding per token wallet, each on its own nonce of the gas keeper, each mined once
      const fundings = await stack.db.sql`
      select nonce, status, succeeded from evm_sends
      where purpose = 'gas-funding' and to_address = any(${stack.db.sql.array(addresses.map((a) => a.toLowerCase()))}::text[])`;
      expect(fundings.length).toBe(25);
      expect(new Set(fundings.map((f) => f.nonce)).size).toBe(25);
      expect(fundings.every((f) => f.status === 'confirmed' && f.succeeded)).toBe(true);
      expect(await provider.getTransactionCount(gasKeeper.address)).toBe(keeperNonceBefore + 25);
      const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
      expect(audit.body).toMatchObject({ ok: true });
    },
  );

  it('credits a deposit under the sweep minimum but sweeps only once the wallet holds enough', { timeout: 90_000 }, async () => {
    const user = await stack.api.signUp('evm-small@example.com');
    const address = await depositAddress(user.token, 'USDT');
    await (await usdt.getFunction('transfer')(address, parseUnits('0.6', 6))).wait();
    await eventually(
      'the small deposit credited',
      async () => (await stack.api.get('/v1/deposits', { token: user.token })).body.data[0]?.status === 'credited',
    );
    await sleep(3_000);
    expect(await sweepsOf(address)).toEqual([]);
    expect(await tokenBalance(address)).toBe(parseUnits('0.6', 6));
    const [uncollected] = await stack.db
      .sql`select collected_by from evm_deposit_observations o join deposits d on d.id = o.deposit_id where d.address = ${address.toLowerCase()}`;
    expect(uncollected!.collectedBy).toBeNull();

    await (await usdt.getFunction('transfer')(address, parseUnits('0.5', 6))).wait();
    const sweep = await eventually(
      'the wallet swept once it holds 1.1 USDT',
      async () => (await sweepsOf(address)).find((s) => s.status === 'confirmed'),
      60_000,
    );
    expect(sweep.amount).toBe('1.100000');
    const depositIds = (await stack.api.get('/v1/deposits', { token: user.token })).body.data.map((d: { id: string }) => d.id);
    expect([...sweep.deposit_ids].sort()).toEqual([...depositIds].sort());
    expect(await tokenBalance(address)).toBe(0n);
  });

  it('raises an alert when the gas keeper runs low, holds the token sweep until it is topped up, then recovers', async () => {
    await setBalance(provider, gasKeeper.address, parseEther('0.00001'));
    const user = await stack.api.signUp('evm-dry@example.com');
    const address = await depositAddress(user.token, 'USDT');
    await (await usdt.getFunction('transfer')(address, parseUnits('75', 6))).wait();

    const alert = await eventually('a low-balance alert', async () => {
      const alerts = (await stack.api.get('/v1/ops/alerts?kind=gas_keeper_low', { token: stack.admin.token })).body.data;
      return alerts[0];
    });
    expect(alert).toMatchObject({ severity: 'warning', kind: 'gas_keeper_low' });
    // in ETH, as GAS_KEEPER_MIN_BALANCE is written, not in wei
    expect(alert.body).toMatchObject({ currency: 'ETH', balance: '0.000010000000000000', threshold: '0.500000000000000000' });
    const keeper = await eventually('the funding request queued', async () => {
      const view = (await stack.api.get('/v1/ops/gas-keeper', { token: stack.admin.token })).body;
      return view.queued.length === 1 && view;
    });
    expect(keeper).toMatchObject({
      chain: CHAIN,
      address: gasKeeper.address.toLowerCase(),
      low: true,
      threshold: '0.500000000000000000',
    });
    const keeperWorkflow = await stack.temporal.workflow.getHandle(`gas-keeper:${CHAIN}`).describe();
    expect(keeperWorkflow.searchAttributes.SluiceStatus).toEqual(['low-balance']);

    await sleep(4_000);
    expect((await sweepsOf(address))[0]).toMatchObject({ currency: 'USDT', status: 'funding' });

    await setBalance(provider, gasKeeper.address, parseEther('20'));
    await eventually(
      'the sweep confirmed after the top-up',
      async () => (await sweepsOf(address))[0]?.status === 'confirmed',
      60_000,
    );
    expect(await tokenBalance(address)).toBe(0n);
    const recovered = await eventually('the gas keeper recovered', async () => {
      const view = (await stack.api.get('/v1/ops/gas-keeper', { token: stack.admin.token })).body;
      return !view.low && view;
    });
    expect(recovered.queued).toEqual([]);
    const notes = (await stack.api.get('/v1/ops/alerts?kind=gas_keeper_recovered', { token: stack.admin.token })).body.data;
    expect(notes).toHaveLength(1);
  });
});
