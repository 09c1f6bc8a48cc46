/** What the sweeper's steps share: their dependencies, the sweep's record, the wallet's key and recorded holdings. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/log.js';
import type { CurrencyCatalog } from '../../../services/currencies/catalog.js';
import type { Sweep } from '../../../services/collection/sweeps-store.js';
import type { Send, SendsFrom } from '../../../chains/evm/sends-store.js';
import type { EvmContext } from '../../../chains/evm/context.js';
import type { FeeQuote } from '../../../chains/evm/provider.js';
import { nativeCurrencyOf, type Currency } from '../../../domain/currencies.js';
import { ErrorCode } from '../../../domain/errors.js';
import { parseAmount } from '../../../domain/money.js';
import type { SweepReads } from './reads.js';
import type { SweepWrites } from './writes.js';

/** What every step reads: the database, the chain, the currencies. */
export interface SweepDeps {
  sql: Sql;
  /** The tick's reads of sweeps and wallets, batched across its lanes. */
  reads: SweepReads;
  /** The tick's writes of sweeps, batched across its lanes. */
  writes: SweepWrites;
  log: Logger;
  evm: EvmContext;
  currencies: CurrencyCatalog;
  /** Fees to price with: one quote shared by the sweeps a tick prices (`sharedFeeQuote`). */
  fees: () => Promise<FeeQuote>;
}

/** The sender's key for the sweep's own transaction. */
export const transferKey = (s: Sweep) => `sweep:${s.chain}:${s.id}:transfer`;
/** What a mined send paid for gas. */
export const gasOf = (send: Send) => (send.gasUsed ?? 0n) * (send.effectiveGasPrice ?? 0n);

/**
 * A send of ours the listener has not seen move (mined, for a funding; confirmed, for a sweep) is asked of the node
 * only once this old: the listener records and signals what it sees, and the node is the fallback when it does not.
 */
const NODE_CHECK_AFTER_MS = 15_000;

/** Whether the send's newest attempt has waited long enough for the node to be asked where it is. */
export function nodeCheckDue(send: Send, now: number): boolean {
  const last = send.attempts[send.attempts.length - 1]!;
  return now - (last.broadcastAt ?? last.createdAt).getTime() > NODE_CHECK_AFTER_MS;
}

export async function loadSweep({ reads }: SweepDeps, id: string): Promise<Sweep> {
  const sweep = await reads.sweep(id);
  if (!sweep) throw ApplicationFailure.nonRetryable(`no sweep ${id}`, ErrorCode.NotFound);
  return sweep;
}

export type Token = Currency & { tokenContract: string };
const isToken = (c: Currency): c is Token => c.tokenContract !== null;

/**
 * The currencies of the EVM network: its native one, and its tokens by code. Disabled ones too: a disabled currency's
 * deposits are still credited, and what is credited goes to cold storage like any other custody (disabling stops new
 * business in the currency, not the keeping of what is held).
 */
export async function evmCurrencies({ currencies }: SweepDeps): Promise<{ native: Currency; tokens: Token[] }> {
  const all = (await currencies.all()).filter((c) => c.network === 'evm');
  const native = nativeCurrencyOf(all, 'evm');
  if (!native) throw ApplicationFailure.nonRetryable('no native currency on the EVM network', ErrorCode.NotFound);
  return { native, tokens: all.filter(isToken).sort((a, b) => a.code.localeCompare(b.code)) };
}

/** Below this a sweep of the currency is not worth its fee (SWEEP_MINIMUMS; none configured is 0). */
export function minimumOf({ evm }: Pick<SweepDeps, 'evm'>, currency: Currency): bigint {
  const parsed = parseAmount(evm.sweepMinimums.get(currency.code) ?? '0', currency.scale, { allowZero: true });
  return parsed.ok ? parsed.value : 0n;
}

/** The deposit wallet's key, checked against the stored address (a wrong seed must never sign). */
export async function depositWallet({ reads, evm }: SweepDeps, address: string) {
  const row = await reads.depositAddress(address);
  if (!row) throw ApplicationFailure.nonRetryable(`${address} is not a deposit address`, ErrorCode.NotFound);
  const wallet = await evm.signers.depositSigner(row.hdIndex);
  if (wallet.address.toLowerCase() !== row.address) {
    throw ApplicationFailure.nonRetryable(
      `EVM_DEPOSIT_MNEMONIC does not derive ${row.address} at index ${row.hdIndex}`,
      ErrorCode.Conflict,
    );
  }
  return wallet;
}

/**
 * Whether a balance of the wallet read at `block` has every send of ours from it taken out: each one mined by then, as
 * the listener recorded it (a sweep confirmed on the node ahead of a listener catching up must not count as ETH still
 * there), and none signed and not mined (a sweep in flight will still take its value and gas from that balance).
 */
export const sendsSettledBy = (sends: SendsFrom, block: bigint) =>
  !sends.unmined && (sends.lastBlock === null || sends.lastBlock <= block);

/** The wallet's holdings at the newest block the listener has recorded: balances read there agree with the deposits. */
export async function recordedHead({ reads }: SweepDeps, address: string) {
  const holdings = await reads.holdings(address);
  if (!holdings.checkpoint) throw ApplicationFailure.retryable('the EVM listener has not recorded a block yet');
  return { ...holdings, checkpoint: holdings.checkpoint };
}
