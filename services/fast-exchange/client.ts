/** Fast exchange's way in for other features: a swap at the current rate made on the user's behalf. */
export { convertAtCurrentRate, type AcceptedSwap, type FastExchangeDeps } from './service.js';
export { QuoteWriter } from './quotes-store.js';
