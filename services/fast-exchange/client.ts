/** Fast exchange's way in for other features: the operators' dashboard charts the swaps; a swap at the current rate
 * made on the user's behalf. */
export { convertAtCurrentRate, type AcceptedSwap, type FastExchangeDeps } from './service.js';
export { QuoteWriter, swapVolumeByDay } from './quotes-store.js';
