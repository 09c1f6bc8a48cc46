/** Withdrawal settings as an operator PUTs them for a currency: open (no limits, no fee, no approval) unless overridden. */
import { expect } from 'vitest';
import type { Stack } from './stack.js';

export interface WithdrawalSettings {
  enabled: boolean;
  min_amount: string;
  max_amount: string | null;
  daily_limit: string | null;
  monthly_limit: string | null;
  fee_fixed: string;
  fee_percent: string;
  approval_threshold: string | null;
  confirmations: number;
}

const open: WithdrawalSettings = {
  enabled: true,
  min_amount: '0.000001',
  max_amount: null,
  daily_limit: null,
  monthly_limit: null,
  fee_fixed: '0',
  fee_percent: '0',
  approval_threshold: null,
  confirmations: 1,
};

export async function putWithdrawalSettings(
  stack: Pick<Stack, 'api' | 'admin'>,
  currency: string,
  overrides: Partial<WithdrawalSettings> = {},
): Promise<void> {
  const response = await stack.api.put(
    `/v1/ops/settings/withdrawals/${currency}`,
    { ...open, ...overrides },
    { token: stack.admin.token },
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}
