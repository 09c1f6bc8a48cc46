/**
 * Where each custody account stands: its ledger balance, what its wallets hold on chain (read in JSON-RPC batches:
 * ethers sends the concurrent reads of one tick as one batch), and the known reasons the two differ. The wallets are
 * the registered custody addresses and every deposit wallet (users' and invoices': what lands there is hot custody).
 * EVM balances are read at the listener's checkpoint, the newest block whose deposits and mined sends are recorded,
 * so what is on its way is known for exactly the blocks read.
 */
import type { JsonRpcProvider } from 'ethers';
import type { PendingQuery, Row } from 'postgres';
import { decode, type Client } from 'xrpl';
import { coldCustodyAccount, hotCustodyAccount, XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { earlyFundingPrefix, gasKeeperAccount } from '../../domain/collection/rules.js';
import { sumByHolding, XRPL_CREDIT_BOUND_MS, type CustodyPosition } from '../../domain/reconciliation/drift.js';
import { TES_SUCCESS } from '../../domain/xrpl-tracking/payments.js';
import { tokenBalance } from '../../chains/evm/provider.js';
import type { XrplConnection } from '../../chains/xrpl/connection.js';
import type { Sql } from '../../platform/db/client.js';
import { nativeCurrencyOf, type Currency } from '../../domain/currencies.js';
import { checkpointOf, depositWallets } from '../deposits/client.js';
import { custodyAddresses } from './store.js';

export interface EvmReadDeps {
  chain: string;
  provider: JsonRpcProvider;
  nativeCurrency: string;
  tokens: Array<{ code: string; contract: string }>;
}

interface Holding {
  target: string;
  currency: string;
  amount: bigint;
}

/** What each custody wallet holds, per address and currency (address holdings feed expected minimums too). */
interface WalletHolding extends Holding {
  account: string;
  deposit: boolean;
}

/**
 * The EVM network's native currency and every listed token, to read wallets in; null without a native one. A disabled
 * currency is read too: its deposits are credited all the same (the listener watches every listed token) and custody
 * holds what it held, so leaving it out showed its whole ledger balance as drift.
 */
export function evmReadsOf(chain: string, provider: JsonRpcProvider, currencies: Currency[]): EvmReadDeps | null {
  const evmCurrencies = currencies.filter((c) => c.network === 'evm');
  const native = nativeCurrencyOf(evmCurrencies, 'evm');
  if (!native) return null;
  return {
    chain,
    provider,
    nativeCurrency: native.code,
    tokens: evmCurrencies.filter((c) => c.tokenContract).map((c) => ({ code: c.code, contract: c.tokenContract! })),
  };
}

/** What each wallet holds at `block`, per currency (its native balance and every token's), read concurrently. */
export function evmHoldings<W extends { address: string }>(
  evm: EvmReadDeps,
  wallets: W[],
  block: bigint,
): Promise<Array<W & { currency: string; amount: bigint }>> {
  const reads = wallets.flatMap((w) => [
    evm.provider.getBalance(w.address, block).then((amount) => ({ ...w, currency: evm.nativeCurrency, amount })),
    ...evm.tokens.map((t) =>
      tokenBalance(evm.provider, t.contract, w.address, block).then((amount) => ({ ...w, currency: t.code, amount })),
    ),
  ]);
  return Promise.all(reads);
}

async function evmWallets(sql: Sql, evm: EvmReadDeps, block: bigint): Promise<WalletHolding[]> {
  const registered = await custodyAddresses(sql, evm.chain);
  const deposits = await depositWallets(sql);
  const wallets = [
    ...registered.map((a) => ({ address: a.address, account: a.account, deposit: false })),
    ...deposits.map((address) => ({ address, account: hotCustodyAccount(evm.chain), deposit: true })),
  ];
  return (await evmHoldings(evm, wallets, block)).map((h) => ({ ...h, target: h.address }));
}

interface XrplCustodyWallet {
  address: string;
  account: string;
  /**
   * Where its balance is read: the listener's checkpoint for it (xrpl_accounts.complete_through_ledger); null (the
   * newest validated ledger) until the listener follows it completely, or once the server no longer keeps that ledger.
   */
  checkpoint: number | null;
}

/** Read once per reconciliation: the balances and every "after the checkpoint" below use the same ledgers. */
async function xrplCustodyWallets(sql: Sql): Promise<XrplCustodyWallet[]> {
  const rows = await sql`
    select c.address, c.account, a.complete_through_ledger as checkpoint
    from custody_addresses c left join xrpl_accounts a on a.address = c.address
    where c.chain = ${XRPL_CHAIN} order by c.address`;
  return rows.map((r) => ({
    address: r.address,
    account: r.account,
    checkpoint: r.checkpoint === null ? null : Number(r.checkpoint),
  }));
}

/** An account's XRP at a ledger; null when the server no longer keeps that ledger. */
async function xrpBalanceAt(client: Client, address: string, ledger: number | 'validated'): Promise<bigint | null> {
  try {
    const { result } = await client.request({ command: 'account_info', account: address, ledger_index: ledger });
    return BigInt(result.account_data.Balance);
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code === 'actNotFound') return 0n; // an account never funded (by that ledger) holds nothing
    if (code === 'lgrNotFound') return null;
    throw error;
  }
}

/**
 * The XRPL custody wallets' balances, each read at the listener's checkpoint for it (xrpl_accounts: every payment of
 * the wallet up to that ledger is recorded), so a payment validated since and not recorded yet is on neither side.
 * A checkpoint the server no longer keeps (the listener far behind) is read at the newest ledger, as before the
 * listener followed the wallet: the wallet's `checkpoint` then says so, for what is counted after it.
 */
async function xrplWallets(xrpl: XrplConnection, registered: XrplCustodyWallet[]): Promise<WalletHolding[]> {
  if (registered.length === 0) return [];
  const client = await xrpl.connected();
  return Promise.all(
    registered.map(async (a) => {
      let amount = a.checkpoint === null ? null : await xrpBalanceAt(client, a.address, a.checkpoint);
      if (amount === null) {
        a.checkpoint = null;
        amount = (await xrpBalanceAt(client, a.address, 'validated'))!;
      }
      return { target: a.address, account: a.account, deposit: false, currency: 'XRP', amount };
    }),
  );
}

/** Our mined EVM transactions (up to `block`) whose effect the ledger has not booked yet, per account and currency. */
async function evmInFlight(sql: Sql, evm: EvmReadDeps, block: bigint): Promise<Holding[]> {
  const { chain, nativeCurrency: eth } = evm;
  const hot = hotCustodyAccount(chain);
  const moves: Holding[] = [];
  const sweeps = await sql`
    select w.currency, w.amount, s.succeeded, coalesce(s.gas_used * s.effective_gas_price, 0)::numeric(78, 0) as gas
    from evm_sweeps w join evm_sends s on s.chain = w.chain and s.key = 'sweep:' || w.chain || ':' || w.id || ':transfer'
    where w.chain = ${chain} and w.status not in ('confirmed', 'failed', 'cancelled')
      and s.status <> 'pending' and s.block_number <= ${block.toString()}`;
  for (const s of sweeps) {
    if (s.succeeded) {
      moves.push({ target: hot, currency: s.currency, amount: -(s.amount as bigint) });
      moves.push({ target: coldCustodyAccount(chain), currency: s.currency, amount: s.amount as bigint });
    }
    moves.push({ target: hot, currency: eth, amount: -(s.gas as bigint) });
  }
  // a sweep's own fundings, booked with it; and early ones (sent while a deposit confirmed), booked on their own keys
  // by the sweep that claims one or by the booking step once confirmed: one to a held deposit's wallet waits for that
  const fundings = await sql`
    select s.value, s.succeeded, coalesce(s.gas_used * s.effective_gas_price, 0)::numeric(78, 0) as gas
    from evm_sweeps w join evm_sends s on s.chain = w.chain and s.key = 'sweep:' || w.chain || ':' || w.id || ':funding'
    where w.chain = ${chain} and w.status not in ('confirmed', 'failed')
      and s.status <> 'pending' and s.block_number <= ${block.toString()}
    union all
    select s.value, s.succeeded, coalesce(s.gas_used * s.effective_gas_price, 0)::numeric(78, 0) as gas
    from evm_sends s
    where s.chain = ${chain} and s.purpose = 'gas-funding' and starts_with(s.key, ${earlyFundingPrefix(chain)})
      and s.status <> 'pending' and s.block_number <= ${block.toString()}
      and not exists (select 1 from ledger_transfers t where t.key in (s.key, s.key || '-gas'))`;
  for (const f of fundings) {
    const value = f.succeeded ? (f.value as bigint) : 0n;
    moves.push({ target: gasKeeperAccount(chain), currency: eth, amount: -value - (f.gas as bigint) });
    moves.push({ target: hot, currency: eth, amount: value });
  }
  const payouts = await sql`
    select w.currency, w.amount, s.succeeded, coalesce(c.account, ${hot}) as account,
      exists (select 1 from ledger_transfers t where t.key = 'withdrawal:' || w.id || ':payout') as paid,
      exists (select 1 from ledger_transfers t where t.key = 'network-fee:' || s.chain || ':' || s.mined_hash) as gas_booked,
      coalesce(s.gas_used * s.effective_gas_price, 0)::numeric(78, 0) as gas
    from evm_sends s
    join withdrawals w on 'withdrawal:' || w.id = s.key
    left join custody_addresses c on c.chain = s.chain and c.address = s.from_address
    where s.chain = ${chain} and s.purpose = 'withdrawal' and s.status <> 'pending' and s.block_number <= ${block.toString()}`;
  for (const p of payouts) {
    if (p.succeeded && !p.paid) moves.push({ target: p.account, currency: p.currency, amount: -(p.amount as bigint) });
    if (!p.gasBooked) moves.push({ target: p.account, currency: eth, amount: -(p.gas as bigint) });
  }
  return moves;
}

/** A deposit on chain that the ledger has not credited: awaiting its confirmations (pending), or held. */
interface Uncredited extends Holding {
  status: 'pending' | 'held';
}

/** Deposits in recorded blocks (up to `block`) not credited: on chain, not in the ledger. */
async function evmUncredited(sql: Sql, chain: string, block: bigint): Promise<Uncredited[]> {
  const rows = await sql`
    select d.status, d.currency, d.amount from deposits d join evm_deposit_observations o on o.deposit_id = d.id
    where d.chain = ${chain} and d.status in ('pending', 'held') and o.state <> 'dropped'
      and o.block_number <= ${block.toString()}`;
  return rows.map((r) => ({
    status: r.status,
    target: hotCustodyAccount(chain),
    currency: r.currency,
    amount: r.amount as bigint,
  }));
}

/** Whether XRPL payment `m` was validated after the checkpoint of `wallet` (a column), where its balance was read. */
function afterCheckpoint(sql: Sql, wallets: XrplCustodyWallet[], wallet: PendingQuery<Row[]>) {
  const read = wallets.filter((w) => w.checkpoint !== null);
  return sql`coalesce(m.ledger_index > (
    select k.ledger from unnest(${sql.array(read.map((w) => w.address))}::text[],
      ${sql.array(read.map((w) => w.checkpoint!))}::bigint[]) as k(address, ledger)
    where k.address = ${wallet}), false)`;
}

/**
 * XRPL deposits on the deposit address not credited, validated by its balance's ledger (recorded once validated: the
 * balance read holds them): held ones, and those whose credit is on its way, recorded within XRPL_CREDIT_BOUND_MS
 * (older ones are stuck: drift).
 */
async function xrplUncredited(sql: Sql, wallets: XrplCustodyWallet[]): Promise<Uncredited[]> {
  const rows = await sql`
    select d.status, d.currency, d.amount from deposits d left join xrpl_payments m on m.hash = d.tx_hash
    where d.chain = ${XRPL_CHAIN}
      and (d.status = 'held'
        or d.status = 'pending' and d.detected_at > now() - ${`${XRPL_CREDIT_BOUND_MS} milliseconds`}::interval)
      and not ${afterCheckpoint(sql, wallets, sql`d.address`)}`;
  const hot = hotCustodyAccount(XRPL_CHAIN);
  return rows.map((r) => ({ status: r.status, target: hot, currency: r.currency, amount: r.amount as bigint }));
}

/**
 * XRP payouts whose booking and the balance read differ: validated by the sender's balance's ledger and not settled
 * (or their fee not booked) yet, or settled (or their fee booked) and validated after that ledger.
 */
async function xrplInFlight(sql: Sql, wallets: XrplCustodyWallet[]): Promise<Holding[]> {
  const rows = await sql`
    select w.amount, m.result, coalesce(c.account, ${hotCustodyAccount(XRPL_CHAIN)}) as account, p.tx_blob,
      ${afterCheckpoint(sql, wallets, sql`p.account`)} as after,
      exists (select 1 from ledger_transfers t where t.key = 'withdrawal:' || w.id || ':payout') as paid,
      exists (select 1 from ledger_transfers t where t.key = 'network-fee:xrpl:' || p.tx_hash) as fee_booked
    from xrpl_payouts p
    join xrpl_payments m on m.hash = p.tx_hash
    join withdrawals w on 'withdrawal:' || w.id = p.key
    left join custody_addresses c on c.chain = ${XRPL_CHAIN} and c.address = p.account`;
  // what left the wallet by the ledger read, less what the ledger booked as gone: chain − ledger, explained
  const gap = (amount: bigint, after: boolean, booked: boolean) => (booked ? amount : 0n) - (after ? 0n : amount);
  return rows.flatMap((r) => [
    ...(r.result === TES_SUCCESS
      ? [{ target: r.account, currency: 'XRP', amount: gap(r.amount as bigint, r.after, r.paid) }]
      : []),
    { target: r.account, currency: 'XRP', amount: gap(BigInt(decode(r.txBlob).Fee as string), r.after, r.feeBooked) },
  ]);
}

/**
 * XRP received by a custody wallet after the ledger its balance is read at, and booked already (a deposit credited,
 * a top-up booked): the ledger holds it, that balance not yet.
 */
async function xrplBookedAfterCheckpoint(sql: Sql, wallets: XrplCustodyWallet[]): Promise<Holding[]> {
  const rows = await sql`
    select coalesce(d.amount, m.delivered_drops) as amount, case when d.id is null then c.account else ${hotCustodyAccount(XRPL_CHAIN)} end as account
    from xrpl_payments m
    join custody_addresses c on c.chain = ${XRPL_CHAIN} and c.address = m.destination
    left join deposits d on d.id = m.deposit_id
    where m.result = ${TES_SUCCESS} and ${afterCheckpoint(sql, wallets, sql`m.destination`)}
      and (d.status = 'credited'
        or d.id is null and exists (select 1 from ledger_transfers t where t.key = 'custody-inflow:xrpl:' || m.hash || ':0'))`;
  return rows.map((r) => ({ target: r.account, currency: 'XRP', amount: -(r.amount as bigint) }));
}

export interface CustodyPositions {
  positions: CustodyPosition[];
  /** On-chain holdings per account and per wallet address (holdingKey), for expected minimums. */
  holdings: Map<string, bigint>;
  evmBlock: bigint | null;
}

export async function custodyPositions(
  sql: Sql,
  evm: EvmReadDeps | null,
  xrpl: XrplConnection | null,
): Promise<CustodyPositions> {
  let evmBlock: bigint | null = null;
  const wallets: WalletHolding[] = [];
  const inFlight: Holding[] = [];
  const uncredited: Uncredited[] = [];
  if (evm) {
    const checkpoint = await checkpointOf(sql, evm.chain);
    if (checkpoint) {
      evmBlock = checkpoint.blockNumber;
      wallets.push(...(await evmWallets(sql, evm, evmBlock)));
      inFlight.push(...(await evmInFlight(sql, evm, evmBlock)));
      uncredited.push(...(await evmUncredited(sql, evm.chain, evmBlock)));
    }
  }
  if (xrpl) {
    const xrplCustody = await xrplCustodyWallets(sql);
    wallets.push(...(await xrplWallets(xrpl, xrplCustody)));
    inFlight.push(...(await xrplInFlight(sql, xrplCustody)), ...(await xrplBookedAfterCheckpoint(sql, xrplCustody)));
    uncredited.push(...(await xrplUncredited(sql, xrplCustody)));
  }

  const chainByAccount = sumByHolding(wallets.map((w) => ({ ...w, target: w.account })));
  const unswept = sumByHolding(wallets.filter((w) => w.deposit).map((w) => ({ ...w, target: w.account })));
  const inFlightByAccount = sumByHolding(inFlight);
  const awaitingByAccount = sumByHolding(uncredited.filter((d) => d.status === 'pending'));
  const heldByAccount = sumByHolding(uncredited.filter((d) => d.status === 'held'));
  const ledgerRows = await sql`
    select name, currency, (debits_posted - credits_posted)::numeric(78, 0) as held
    from ledger_accounts where name like 'custody:%'`;
  const ledger = sumByHolding(ledgerRows.map((r) => ({ target: r.name, currency: r.currency, amount: r.held as bigint })));

  const keys = new Set([...chainByAccount.keys(), ...ledger.keys()]);
  const positions = [...keys].sort().map((key) => {
    const [account, currency] = key.split('|') as [string, string];
    return {
      account,
      currency,
      ledger: ledger.get(key) ?? 0n,
      chain: chainByAccount.get(key) ?? 0n,
      inFlight: inFlightByAccount.get(key) ?? 0n,
      awaitingConfirmations: awaitingByAccount.get(key) ?? 0n,
      held: heldByAccount.get(key) ?? 0n,
      unswept: unswept.get(key) ?? 0n,
    };
  });
  const holdings = new Map([...chainByAccount, ...sumByHolding(wallets)]);
  return { positions, holdings, evmBlock };
}
