/**
 * The operations whose settings operators set per level, group and user, by their URL name. A feature whose rules go
 * through the resolver adds its OperationSettings here (fast exchange does, keyed by pair).
 */
import { DEPOSIT_SETTINGS } from '../../domain/deposits/settings.js';
import type { OperationSettings } from '../../domain/settings/fields.js';
import { TRANSFER_SETTINGS } from '../../domain/transfers/rules.js';
import { WITHDRAWAL_SETTINGS } from '../../domain/withdrawals/rules.js';
import { FAST_EXCHANGE_SETTINGS } from '../../domain/fast-exchange/settings.js';

export const OPERATIONS: Record<string, OperationSettings<unknown>> = {
  [TRANSFER_SETTINGS.operation]: TRANSFER_SETTINGS,
  [WITHDRAWAL_SETTINGS.operation]: WITHDRAWAL_SETTINGS,
  [DEPOSIT_SETTINGS.operation]: DEPOSIT_SETTINGS,
  [FAST_EXCHANGE_SETTINGS.operation]: FAST_EXCHANGE_SETTINGS,
};
