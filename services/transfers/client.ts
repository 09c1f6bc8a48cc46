/** transfers' surface for other features: operators' balance adjustments (the console's user page makes them too). */
export { adjustBalance, EQUITY_ACCOUNT, type Adjustment } from './adjustments.js';
