/**
 * Books what the chains did that no flow booked: the gas of our own EVM transactions (withdrawal payouts; a sweep
 * books its own gas and its funding's with the sweep, and a sweep cancelled after its funding has it booked here; an
 * early gas funding no sweep booked is booked here), the fee of each validated XRPL payout, and confirmed top-ups
 * of custody wallets from outside Sluice. Every entry is keyed by its transaction, so booking again changes nothing.
 */
import { decode } from 'xrpl';
import {
  earlyFundingPrefix,
  earlyFundingTransfers,
  networkFeesAccount,
  sweepLedgerTransfers,
} from '../../domain/collection/rules.js';
import { hotCustodyAccount, XRPL_CHAIN } from '../../domain/deposits/credit.js';
import type { TransferGroup } from '../../domain/ledger/engine.js';
import { externalAccount } from '../../domain/reconciliation/drift.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import { commitGroups } from '../ledger/journal.js';
import type { BookedChainEvents } from '../../workflows/reconciliation/messages.js';

export const networkFeeKey = (chain: string, txHash: string) => `network-fee:${chain}:${txHash}`;
/**
 * `eventKey`: the top-up's key in its transaction (`custody_inflows.event_key`; XRPL's 0). Top-ups booked before
 * migration 1010 keep theirs, with a token transfer's log index.
 */
export const topUpKey = (chain: string, txHash: string, eventKey: string | number) =>
  `custody-inflow:${chain}:${txHash}:${eventKey}`;

/** Sends whose gas a sweep books with itself. */
const BOOKED_BY_SWEEPS = ['sweep', 'gas-funding'];

/** Commits groups one by one in a transaction; `after` runs in it (marking what was booked). Returns how many landed. */
export async function commit(sql: Sql, groups: TransferGroup[], after?: (tx: Tx) => Promise<unknown>): Promise<number> {
  if (groups.length === 0) return 0;
  return sql.begin(async (tx) => {
    const outcomes = await commitGroups(tx, groups);
    const refused = outcomes.find((o) => !o.ok);
    if (refused && !refused.ok) throw new Error(`the ledger refused a chain booking: ${refused.error.message}`);
    await after?.(tx);
    return outcomes.filter((o) => o.ok && !o.replayed).length;
  });
}

/** Gas of our confirmed EVM sends that no sweep books: fees:network against the custody account that paid. */
export async function bookEvmNetworkFees(sql: Sql, chain: string, nativeCurrency: string): Promise<number> {
  const rows = await sql`
    select s.mined_hash, s.purpose, s.key, (s.gas_used * s.effective_gas_price)::numeric(78, 0) as gas,
           coalesce(c.account, ${hotCustodyAccount(chain)}) as account
    from evm_sends s
    left join custody_addresses c on c.chain = s.chain and c.address = s.from_address
    where s.chain = ${chain} and s.status = 'confirmed' and s.purpose <> all(${sql.array(BOOKED_BY_SWEEPS)}::text[])
      and s.gas_used > 0
      and not exists (select 1 from ledger_transfers t where t.key = 'network-fee:' || s.chain || ':' || s.mined_hash)`;
  return commit(
    sql,
    rows.map((r) => ({
      transfers: [
        {
          kind: 'posted' as const,
          key: networkFeeKey(chain, r.minedHash),
          debit: networkFeesAccount(chain),
          credit: r.account as string,
          currency: nativeCurrency,
          amount: r.gas as bigint,
          metadata: { type: 'network_fee', chain, tx_hash: r.minedHash, purpose: r.purpose, send_key: r.key },
        },
      ],
    })),
  );
}

/**
 * A token sweep cancelled after the gas keeper funded its wallet never books its funding, which its recording would
 * have: the ETH sits in the deposit wallet (hot custody) and the keeper paid gas. Booked here as the sweep would have
 * booked it, by the same keys (`sweep:<chain>:<id>:funding`, `…:funding-gas`).
 */
export async function bookStrandedGasFunding(sql: Sql, chain: string, nativeCurrency: string): Promise<number> {
  const rows = await sql`
    select w.id::text as sweep_id, w.currency, s.mined_hash,
           case when s.succeeded then s.value else 0 end::numeric(78, 0) as value,
           (s.gas_used * s.effective_gas_price)::numeric(78, 0) as gas
    from evm_sends s
    join evm_sweeps w on w.chain = s.chain and s.key = 'sweep:' || w.chain || ':' || w.id || ':funding'
    where s.chain = ${chain} and s.purpose = 'gas-funding' and s.status = 'confirmed' and w.status = 'cancelled'
      and not exists (select 1 from ledger_transfers t where t.key = s.key or t.key = s.key || '-gas')`;
  return commit(
    sql,
    rows
      .map((r) => ({
        transfers: sweepLedgerTransfers({
          sweepId: r.sweepId as string,
          chain,
          currency: r.currency as string,
          nativeCurrency,
          amount: 0n,
          sweepGas: 0n,
          funding: { amount: r.value as bigint, gas: (r.gas as bigint | null) ?? 0n },
          depositIds: [],
          txHash: r.minedHash as string,
        }),
      }))
      .filter((group) => group.transfers.length > 0),
  );
}

/**
 * Early fundings (the keeper funded a token deposit's wallet while it confirmed) that no sweep booked: each is booked
 * on its own once confirmed, under its send's key (`gas:<chain>:<address>:<deposit>`, `…-gas`): its deposit was
 * dropped by a reorg (the ETH stays in the wallet, hot custody, for its next sweep), or the sweep that claimed it was
 * cancelled or is not recorded yet (recording it then replays the same keys: booked exactly once).
 */
export async function bookEarlyGasFundings(sql: Sql, chain: string, nativeCurrency: string): Promise<number> {
  const rows = await sql`
    select s.key, s.mined_hash, s.value, s.succeeded, (s.gas_used * s.effective_gas_price)::numeric(78, 0) as gas
    from evm_sends s
    where s.chain = ${chain} and s.purpose = 'gas-funding' and s.status = 'confirmed'
      and starts_with(s.key, ${earlyFundingPrefix(chain)})
      and not exists (select 1 from ledger_transfers t where t.key = s.key or t.key = s.key || '-gas')`;
  return commit(
    sql,
    rows
      .map((r) => ({
        transfers: earlyFundingTransfers({
          chain,
          nativeCurrency,
          key: r.key as string,
          value: r.value as bigint,
          succeeded: r.succeeded === true,
          gas: (r.gas as bigint | null) ?? 0n,
          txHash: r.minedHash as string,
        }),
      }))
      .filter((group) => group.transfers.length > 0),
  );
}

/** The Fee of every payout the XRPL listener saw validated (a failed tec payout pays its fee too). */
export async function bookXrplPayoutFees(sql: Sql): Promise<number> {
  const rows = await sql`
    select p.tx_hash, p.tx_blob, p.key, coalesce(c.account, ${hotCustodyAccount(XRPL_CHAIN)}) as account
    from xrpl_payouts p
    join xrpl_payments m on m.hash = p.tx_hash
    left join custody_addresses c on c.chain = ${XRPL_CHAIN} and c.address = p.account
    where not exists (select 1 from ledger_transfers t where t.key = 'network-fee:xrpl:' || p.tx_hash)`;
  return commit(
    sql,
    rows.map((r) => ({
      transfers: [
        {
          kind: 'posted' as const,
          key: networkFeeKey(XRPL_CHAIN, r.txHash),
          debit: networkFeesAccount(XRPL_CHAIN),
          credit: r.account as string,
          currency: 'XRP',
          amount: BigInt(decode(r.txBlob as string).Fee as string),
          metadata: { type: 'network_fee', chain: XRPL_CHAIN, tx_hash: r.txHash, payout_key: r.key },
        },
      ],
    })),
  );
}

/** Top-ups with `confirmations` behind the listener's checkpoint: the wallet's custody account against external:<chain>. */
export async function bookCustodyTopUps(sql: Sql, chain: string, confirmations: number): Promise<number> {
  const rows = await sql`
    select i.tx_hash, i.event_key, i.currency, i.amount, i.from_address, i.address, c.account
    from custody_inflows i
    join custody_addresses c on c.chain = i.chain and c.address = i.address
    join evm_listener_checkpoints k on k.chain = i.chain
    where i.chain = ${chain} and not i.booked and k.block_number - i.block_number + 1 >= ${confirmations}`;
  return commit(
    sql,
    rows.map((r) => ({
      transfers: [
        {
          kind: 'posted' as const,
          key: topUpKey(chain, r.txHash, r.eventKey as string),
          debit: r.account as string,
          credit: externalAccount(chain),
          currency: r.currency as string,
          amount: r.amount as bigint,
          metadata: { type: 'custody_top_up', chain, tx_hash: r.txHash, from: r.fromAddress, address: r.address },
        },
      ],
    })),
    (tx) => tx`
      update custody_inflows i set booked = true
      where i.chain = ${chain} and not i.booked
        and exists (select 1 from ledger_transfers t where t.key = 'custody-inflow:' || i.chain || ':' || i.tx_hash || ':' || i.event_key)`,
  );
}

/**
 * XRP paid into a custody wallet from outside (the XRPL listener records every payment of the watched wallets):
 * validated, so booked at once. Payments to the deposit address are deposits (deposit_status is set), never top-ups.
 */
export async function bookXrplTopUps(sql: Sql): Promise<number> {
  const rows = await sql`
    select m.hash, m.source, m.destination, m.delivered_drops, c.account
    from xrpl_payments m
    join custody_addresses c on c.chain = ${XRPL_CHAIN} and c.address = m.destination
    where m.result = 'tesSUCCESS' and m.delivered_drops > 0 and m.deposit_status is null
      and not exists (select 1 from custody_addresses o where o.chain = ${XRPL_CHAIN} and o.address = m.source)
      and not exists (select 1 from ledger_transfers t where t.key = 'custody-inflow:xrpl:' || m.hash || ':0')`;
  return commit(
    sql,
    rows.map((r) => ({
      transfers: [
        {
          kind: 'posted' as const,
          key: topUpKey(XRPL_CHAIN, r.hash, 0),
          debit: r.account as string,
          credit: externalAccount(XRPL_CHAIN),
          currency: 'XRP',
          amount: r.deliveredDrops as bigint,
          metadata: { type: 'custody_top_up', chain: XRPL_CHAIN, tx_hash: r.hash, from: r.source, address: r.destination },
        },
      ],
    })),
  );
}

export async function bookChainEvents(
  sql: Sql,
  evm: { chain: string; nativeCurrency: string; confirmations: number } | null,
): Promise<BookedChainEvents> {
  const booked: BookedChainEvents = { networkFees: await bookXrplPayoutFees(sql), topUps: await bookXrplTopUps(sql) };
  if (evm) {
    booked.networkFees += await bookEvmNetworkFees(sql, evm.chain, evm.nativeCurrency);
    booked.networkFees += await bookStrandedGasFunding(sql, evm.chain, evm.nativeCurrency);
    booked.networkFees += await bookEarlyGasFundings(sql, evm.chain, evm.nativeCurrency);
    booked.topUps += await bookCustodyTopUps(sql, evm.chain, evm.confirmations);
  }
  return booked;
}
