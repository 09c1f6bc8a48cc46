/**
 * Deposit settings per currency, group and user (the settings resolver decides which apply): whether addresses are
 * handed out and deposits credited, the smallest and largest deposit, the fee the user pays and what the provider
 * costs us per deposit (recorded on each deposit, so profit can be computed).
 */
import { feeFor, formatPercent, type FeeSchedule } from '../fees.js';
import { AMOUNT_RULE_FIELDS } from '../settings/amount-rules.js';
import { amountOf, amountValue, flagOf, limitOf, limitValue, percentOf, type OperationSettings } from '../settings/fields.js';

export interface DepositSettings {
  /** Deposits are credited; while off they are kept (held) and credited with the next one once on again. */
  enabled: boolean;
  /** New deposit addresses are handed out. */
  addressesEnabled: boolean;
  /** Below it a deposit is kept (held) and credited once the address has received enough in all. */
  minAmount: bigint;
  /** Above it a deposit is held for an operator. */
  maxAmount: bigint | null;
  fee: FeeSchedule;
  providerCost: FeeSchedule;
}

const { daily_limit: _noDailyLimit, ...BASE_FIELDS } = AMOUNT_RULE_FIELDS;

export const DEPOSIT_SETTINGS: OperationSettings<DepositSettings> = {
  operation: 'deposits',
  subject: 'currency',
  fields: { ...BASE_FIELDS, addresses_enabled: 'flag', provider_cost_fixed: 'amount', provider_cost_percent: 'percent' },
  defaults: {
    enabled: true,
    addresses_enabled: true,
    min_amount: '1',
    max_amount: null,
    fee_fixed: '0',
    fee_percent: '0',
    provider_cost_fixed: '0',
    provider_cost_percent: '0',
  },
  decode: (values) => ({
    enabled: flagOf(values, 'enabled'),
    addressesEnabled: flagOf(values, 'addresses_enabled'),
    minAmount: amountOf(values, 'min_amount'),
    maxAmount: limitOf(values, 'max_amount'),
    fee: { fixed: amountOf(values, 'fee_fixed'), ratePpm: percentOf(values, 'fee_percent') },
    providerCost: { fixed: amountOf(values, 'provider_cost_fixed'), ratePpm: percentOf(values, 'provider_cost_percent') },
  }),
  encode: (s) => ({
    enabled: s.enabled,
    addresses_enabled: s.addressesEnabled,
    min_amount: amountValue(s.minAmount),
    max_amount: limitValue(s.maxAmount),
    fee_fixed: amountValue(s.fee.fixed),
    fee_percent: formatPercent(s.fee.ratePpm),
    provider_cost_fixed: amountValue(s.providerCost.fixed),
    provider_cost_percent: formatPercent(s.providerCost.ratePpm),
  }),
};

export type HoldReason = 'below_minimum' | 'deposits_disabled' | 'above_maximum';

/** A deposit to decide on: the confirmed one, or one held earlier on the same address. */
export interface DepositCandidate {
  depositId: string;
  userId: string;
  currency: string;
  address: string;
  amount: bigint;
  /** A payment to an invoice: the invoice's own rules (amount due, expiry) decide it, not its merchant's settings. */
  invoiceId?: string | null;
}

export type DepositDecision<D extends DepositCandidate> =
  | { kind: 'hold'; deposit: D; reason: HoldReason; providerCost: bigint }
  /** Credit the deposit and, with it, the held ones of its address; the fee is on their total. */
  | { kind: 'credit'; deposit: D; released: D[]; fee: bigint; providerCost: bigint };

/**
 * Decides each confirmed deposit, in order (Peatio #2790: a deposit below the minimum must never be lost). A deposit
 * below the minimum, or arriving while deposits are off, is held; the first later deposit on the same address that
 * brings the held ones to the minimum is credited with all of them, less one fee on the total (never more than it).
 * One above the maximum is held apart, for an operator. A payment to an invoice is always credited, with no fee.
 */
export function decideDeposits<D extends DepositCandidate>(
  confirmed: readonly D[],
  heldEarlier: readonly D[],
  settingsOf: (deposit: D) => DepositSettings,
): DepositDecision<D>[] {
  const pools = new Map<string, D[]>();
  const slot = (d: D) => `${d.userId}:${d.currency}:${d.address}`;
  for (const d of heldEarlier) pools.set(slot(d), [...(pools.get(slot(d)) ?? []), d]);
  return confirmed.map((deposit): DepositDecision<D> => {
    if (deposit.invoiceId) return { kind: 'credit', deposit, released: [], fee: 0n, providerCost: 0n };
    const settings = settingsOf(deposit);
    const pool = pools.get(slot(deposit)) ?? [];
    const providerCost = feeFor(deposit.amount, settings.providerCost);
    if (settings.maxAmount !== null && deposit.amount > settings.maxAmount) {
      return { kind: 'hold', deposit, reason: 'above_maximum', providerCost };
    }
    const total = pool.reduce((sum, d) => sum + d.amount, deposit.amount);
    if (!settings.enabled || total < settings.minAmount) {
      pools.set(slot(deposit), [...pool, deposit]);
      return { kind: 'hold', deposit, reason: settings.enabled ? 'below_minimum' : 'deposits_disabled', providerCost };
    }
    pools.delete(slot(deposit));
    const fee = feeFor(total, settings.fee);
    return {
      kind: 'credit',
      deposit,
      released: pool,
      fee: fee > total ? total : fee,
      providerCost,
    };
  });
}
