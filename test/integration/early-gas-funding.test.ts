/**
 * Early gas funding in the database: which wallets the keeper funds early, which waiting sweeps it leaves to adopt an
 * early funding, the one claim of a funding, what operators see of a claimed one, and the reconciliation's booking of an
 * early funding no sweep booked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unclaimedEarlyFundings, walletsToFundEarly } from '../../services/collection/early-fundings-store.js';
import { listSweeps, sweepsAwaitingFunding, updateSweep } from '../../services/collection/sweeps-store.js';
import { bookEarlyGasFundings } from '../../services/reconciliation/booking.js';
import { earlyFundingKey } from '../../domain/collection/rules.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const CHAIN = 'evm-7';
const TOKEN = '0x9999999999999999999999999999999999999999';
const KEEPER = '0x2222222222222222222222222222222222222222';
let nonce = 0;
let hashes = 0;

const wallet = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;

/** A user's token deposit to the wallet, seen in a block and confirming. */
async function tokenDepositSeen(address: string): Promise<string> {
  const [user] = await db.sql`
    insert into users (email, password_hash) values (${`u${hashes + 1}@example.com`}, 'x') returning id`;
  const hash = `0x${(++hashes).toString(16).padStart(64, '0')}`;
  const [deposit] = await db.sql`
    insert into deposits (user_id, currency, chain, address, amount, tx_hash, event_index, event_key, workflow_id)
    values (${user!.id}, 'USDT', ${CHAIN}, ${address}, 5000000, ${hash}, 0, '0', ${`deposit:${hash}`}) returning id`;
  await db.sql`
    insert into evm_deposit_observations (deposit_id, chain, token_contract, from_address, block_number, block_hash)
    values (${deposit!.id}, ${CHAIN}, ${TOKEN}, ${KEEPER}, 10, ${hash})`;
  return String(deposit!.id);
}

async function gasFunding(key: string, to: string, status: 'pending' | 'mined' | 'confirmed') {
  const mined = status !== 'pending';
  await db.sql`
    insert into evm_sends (chain, key, purpose, from_address, to_address, value, nonce, gas_limit, status, mined_hash,
                           block_number, succeeded, gas_used, effective_gas_price)
    values (${CHAIN}, ${key}, 'gas-funding', ${KEEPER}, ${to}, '3000000000000000', ${nonce++}, '21000', ${status},
            ${mined ? `0x${key.length.toString(16)}${nonce}` : null}, ${mined ? 12 : null}, ${mined ? true : null},
            ${mined ? '21000' : null}, ${mined ? '1000000000' : null})`;
}

async function tokenSweep(address: string, status: string, fundingAmount: bigint | null = null) {
  const [sweep] = await db.sql`
    insert into evm_sweeps (chain, address, currency, token_contract, status, amount, funding_amount)
    values (${CHAIN}, ${address}, 'USDT', ${TOKEN}, ${status}, 5000000, ${fundingAmount?.toString() ?? null}) returning id`;
  return String(sweep!.id);
}

const net = async (name: string) => {
  const [row] = await db.sql`
    select (debits_posted - credits_posted)::numeric(78, 0) as net from ledger_accounts where name = ${name} and currency = 'ETH'`;
  return (row?.net as bigint | undefined) ?? 0n;
};

describe('early gas funding', () => {
  it('funds a wallet with a confirming token deposit once: not again while its funding is unclaimed or a sweep is open', async () => {
    const [fresh, funded, sweeping] = [wallet(1), wallet(2), wallet(3)];
    const firstDeposit = await tokenDepositSeen(fresh);
    await tokenDepositSeen(fresh); // a second deposit to the same wallet: still one funding
    await tokenDepositSeen(funded);
    await gasFunding(earlyFundingKey(CHAIN, funded, '1'), funded, 'pending');
    await tokenDepositSeen(sweeping);
    await tokenSweep(sweeping, 'planned');

    expect(await walletsToFundEarly(db.sql, CHAIN)).toEqual([
      {
        address: fresh,
        firstDepositId: firstDeposit,
        tokenContract: TOKEN,
        currency: 'USDT',
        amount: 5_000_000n,
        confirming: 10_000_000n,
      },
    ]);
  });

  it('leaves a sweep waiting for gas to the early funding of its wallet until it claims it; a funding is claimed once', async () => {
    const address = wallet(4);
    const key = earlyFundingKey(CHAIN, address, '4');
    const waiting = await tokenSweep(address, 'funding', 1_000n);
    const other = await tokenSweep(wallet(5), 'funding', 1_000n);
    await tokenSweep(wallet(6), 'funding', 0n); // waits for its claimed early funding alone: nothing to send
    const awaiting = async () => (await sweepsAwaitingFunding(db.sql, CHAIN)).map((s) => s.id);
    expect(await awaiting()).toEqual([waiting, other]);

    await gasFunding(key, address, 'mined');
    expect(await awaiting()).toEqual([other]); // the keeper leaves it: it adopts the funding sent already
    expect((await unclaimedEarlyFundings(db.sql, CHAIN, [address])).get(address)).toMatchObject({ key, status: 'mined' });

    await updateSweep(db.sql, waiting, { earlyFundingKey: key, fundingAmount: 400n });
    expect(await awaiting()).toEqual([waiting, other]); // claimed: the keeper sends what the funding did not cover
    expect(await unclaimedEarlyFundings(db.sql, CHAIN, [address])).toEqual(new Map());
    await expect(updateSweep(db.sql, other, { earlyFundingKey: key })).rejects.toThrow(/evm_sweeps_early_funding/);
  });

  it('shows operators the early funding a sweep claimed as its funding, with what the keeper sent on top', async () => {
    const [covered, topped] = [wallet(20), wallet(21)];
    const [coveredKey, toppedKey] = [earlyFundingKey(CHAIN, covered, '20'), earlyFundingKey(CHAIN, topped, '21')];
    await gasFunding(coveredKey, covered, 'mined');
    await gasFunding(toppedKey, topped, 'mined');
    const coveredSweep = await tokenSweep(covered, 'funding', 0n);
    const toppedSweep = await tokenSweep(topped, 'funding', 1_000n);
    await updateSweep(db.sql, coveredSweep, { earlyFundingKey: coveredKey });
    await updateSweep(db.sql, toppedSweep, { earlyFundingKey: toppedKey });
    const [early] = await db.sql`select mined_hash from evm_sends where key = ${coveredKey}`;
    const listed = new Map((await listSweeps(db.sql, { limit: 10 })).map((s) => [s.id, s]));
    expect(listed.get(coveredSweep)).toMatchObject({ fundingReceived: 3_000_000_000_000_000n, fundingTxHash: early!.minedHash });
    expect(listed.get(toppedSweep)).toMatchObject({ fundingReceived: 3_000_000_000_001_000n });
  });

  it('books a confirmed early funding on its own keys, once, and not before it is confirmed', async () => {
    const address = wallet(7);
    const key = earlyFundingKey(CHAIN, address, '7');
    await gasFunding(key, address, 'mined');
    expect(await bookEarlyGasFundings(db.sql, CHAIN, 'ETH')).toBe(0);
    await db.sql`update evm_sends set status = 'confirmed' where key = ${key}`;
    expect(await bookEarlyGasFundings(db.sql, CHAIN, 'ETH')).toBe(1);
    expect(await bookEarlyGasFundings(db.sql, CHAIN, 'ETH')).toBe(0);

    const gas = 21_000n * 1_000_000_000n;
    expect(await net(`custody:hot:${CHAIN}`)).toBe(3_000_000_000_000_000n);
    expect(await net(`fees:network:${CHAIN}`)).toBe(gas);
    expect(await net(`custody:gas-keeper:${CHAIN}`)).toBe(-(3_000_000_000_000_000n + gas));
    const keys = await db.sql`select key from ledger_transfers where key like ${`${key}%`} order by key`;
    expect(keys.map((k) => k.key)).toEqual([key, `${key}-gas`]);
  });
});
