/**
 * The operations whose settings operators set per level, group and user, by their URL name. A feature whose rules go
 * through the resolver adds its OperationSettings here (fast exchange will, keyed by pair).
 */
import type { OperationSettings } from '../../domain/settings/fields.js';
import { TRANSFER_SETTINGS } from '../../domain/transfers/rules.js';
import { WITHDRAWAL_SETTINGS } from '../../domain/withdrawals/rules.js';

export const OPERATIONS: Record<string, OperationSettings<unknown>> = {
  [TRANSFER_SETTINGS.operation]: TRANSFER_SETTINGS,
  [WITHDRAWAL_SETTINGS.operation]: WITHDRAWAL_SETTINGS,
};
