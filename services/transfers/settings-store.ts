/** Per-currency rules for internal transfers; a currency without a row gets the defaults. */
import type { TransferRules } from '../../domain/transfers/rules.js';
import type { Db } from '../../platform/db/client.js';

export const DEFAULT_TRANSFER_RULES: TransferRules = {
  enabled: true,
  minAmount: 1n,
  maxAmount: null,
  dailyLimit: null,
  fee: { fixed: 0n, ratePpm: 0n },
};

export async function transferRules(db: Db, currency: string): Promise<TransferRules> {
  const [row] = await db`select * from transfer_settings where currency = ${currency}`;
  if (!row) return DEFAULT_TRANSFER_RULES;
  return {
    enabled: row.enabled,
    minAmount: row.minAmount,
    maxAmount: row.maxAmount ?? null,
    dailyLimit: row.dailyLimit ?? null,
    fee: { fixed: row.feeFixed, ratePpm: BigInt(row.feeRatePpm) },
  };
}

export async function saveTransferRules(db: Db, currency: string, rules: TransferRules, updatedBy: string): Promise<void> {
  const values = {
    enabled: rules.enabled,
    minAmount: rules.minAmount.toString(),
    maxAmount: rules.maxAmount?.toString() ?? null,
    dailyLimit: rules.dailyLimit?.toString() ?? null,
    feeFixed: rules.fee.fixed.toString(),
    feeRatePpm: Number(rules.fee.ratePpm),
  };
  await db`
    insert into transfer_settings (currency, enabled, min_amount, max_amount, daily_limit, fee_fixed, fee_rate_ppm, updated_by)
    values (${currency}, ${values.enabled}, ${values.minAmount}, ${values.maxAmount}, ${values.dailyLimit},
            ${values.feeFixed}, ${values.feeRatePpm}, ${updatedBy})
    on conflict (currency) do update set
      enabled = excluded.enabled, min_amount = excluded.min_amount, max_amount = excluded.max_amount,
      daily_limit = excluded.daily_limit, fee_fixed = excluded.fee_fixed, fee_rate_ppm = excluded.fee_rate_ppm,
      updated_by = excluded.updated_by, updated_at = now()`;
}
