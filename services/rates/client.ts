/**
 * The rates' surface for other features: current rates in memory (`CurrentRates`: a pair's usable rate, converting an
 * amount between two currencies, locking a rate), and the arithmetic to apply a locked rate later (`convertMinor`).
 * A stale or missing rate is a DomainError with code `rate_unavailable` (503), naming the pair.
 */
export { CurrentRates, type LockedRate, type PairRateView } from './current-rates.js';
export { convertMinor, type Conversion } from '../../domain/rates/conversion.js';
export { formatRate, type Rate } from '../../domain/rates/rate.js';
