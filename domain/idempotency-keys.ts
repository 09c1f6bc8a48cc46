/**
 * Idempotency-Keys. The keys Sluice chooses itself (a fired trigger's order) live under a prefix the API refuses from
 * clients, so no client key can take their place.
 */

/** What every key Sluice chooses starts with; a client's Idempotency-Key may not. */
export const SYSTEM_KEY_PREFIX = 'sluice:';

export const systemKey = (name: string) => `${SYSTEM_KEY_PREFIX}${name}`;
