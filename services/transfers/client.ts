/**
 * transfers' surface for other features: operators' adjustments (the console's user page makes a user's; reconciliation
 * books custody holdings with them).
 */
export {
  adjustBalance,
  postAdjustment,
  EQUITY_ACCOUNT,
  type AccountAdjustment,
  type Adjustment,
  type AdjustmentPosted,
} from './adjustments.js';
