/**
 * Early fundings: gas the keeper sends a token deposit's wallet while the deposit confirms, so that its sweep goes out
 * at once when credited. The sweep that collects the wallet claims the funding (`evm_sweeps.early_funding_key`, unique:
 * one funding serves one sweep); one no sweep claimed stays in the wallet for its next sweep. Each is booked on its
 * own once confirmed (the reconciliation's booking), never with a sweep.
 */
import type { Db } from '../../platform/db/client.js';
import { earlyFundingPrefix } from '../../domain/collection/rules.js';
import type { SendStatus } from '../../chains/evm/sends-store.js';

/** A wallet with a token deposit confirming that no sweep and no unclaimed early funding serves yet. */
export interface WalletToFund {
  address: string;
  firstDepositId: string;
  tokenContract: string;
  currency: string;
  /** The first deposit's amount: what the keeper estimates the token transfer's gas with. */
  amount: bigint;
  /** What the wallet's confirming deposits of that currency add up to (one under the sweep minimum waits for more). */
  confirming: bigint;
}

/**
 * Wallets whose token deposits are confirming (seen, not credited yet) and that have no open token sweep (it asks for
 * its own funding) and no early funding no sweep has claimed (pending, mined or confirmed: its gas is there or on its
 * way), oldest deposit first.
 */
export async function walletsToFundEarly(db: Db, chain: string, limit = 1_000): Promise<WalletToFund[]> {
  const rows = await db`
    select * from (
      select distinct on (d.address) d.address, d.id::text as first_deposit_id, o.token_contract, d.currency, d.amount,
        sum(d.amount) over (partition by d.address, d.currency) as confirming
      from evm_deposit_observations o join deposits d on d.id = o.deposit_id
      where o.chain = ${chain} and o.state = 'seen' and o.token_contract is not null and d.status = 'pending'
        and not exists (
          select 1 from evm_sweeps s where s.chain = o.chain and s.address = d.address and s.token_contract is not null
            and s.status not in ('confirmed', 'failed', 'cancelled'))
        and not exists (
          select 1 from evm_sends f
          where f.chain = o.chain and f.to_address = d.address and f.purpose = 'gas-funding'
            and starts_with(f.key, ${earlyFundingPrefix(chain)})
            and not exists (select 1 from evm_sweeps c where c.early_funding_key = f.key))
      order by d.address, d.id) w
    order by first_deposit_id::bigint limit ${limit}`;
  return rows.map((r) => ({
    address: r.address as string,
    firstDepositId: r.firstDepositId as string,
    tokenContract: r.tokenContract as string,
    currency: r.currency as string,
    amount: r.amount as bigint,
    confirming: BigInt(r.confirming as string),
  }));
}

/** What a sweep needs of an early funding to count its gas. */
export interface EarlyFunding {
  key: string;
  status: SendStatus;
  blockNumber: bigint | null;
  value: bigint;
  succeeded: boolean | null;
}

/** Each wallet's oldest early funding no sweep has claimed; a wallet without one is left out. */
export async function unclaimedEarlyFundings(db: Db, chain: string, addresses: string[]): Promise<Map<string, EarlyFunding>> {
  const rows = await db`
    select distinct on (f.to_address) f.to_address, f.key, f.status, f.block_number, f.value, f.succeeded
    from evm_sends f
    where f.chain = ${chain} and f.to_address = any(${db.array(addresses)}::text[]) and f.purpose = 'gas-funding'
      and starts_with(f.key, ${earlyFundingPrefix(chain)})
      and not exists (select 1 from evm_sweeps c where c.early_funding_key = f.key)
    order by f.to_address, f.id`;
  return new Map(
    rows.map((r) => [
      r.toAddress as string,
      {
        key: r.key as string,
        status: r.status as SendStatus,
        blockNumber: r.blockNumber === null ? null : BigInt(r.blockNumber as string),
        value: r.value as bigint,
        succeeded: (r.succeeded as boolean | null) ?? null,
      },
    ]),
  );
}
