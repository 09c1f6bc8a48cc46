/** Fast exchange's way in for other features: the operators' dashboard charts the swaps. */
export { swapVolumeByDay } from './quotes-store.js';
