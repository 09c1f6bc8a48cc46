/**
 * A service a request needs that cannot be reached right now (the database, Temporal): the API and the console say
 * so, to retry shortly (a 503), rather than an unexpected error of ours.
 */
import { isDatabaseUnavailable } from '../../platform/db/unavailable.js';
import { isTemporalUnavailable } from '../../platform/temporal/unavailable.js';

/** The unreachable service the error means, in the words its refusal uses, or null for any other error. */
export function unavailableService(error: unknown): 'database' | 'workflow service' | null {
  return isDatabaseUnavailable(error) ? 'database' : isTemporalUnavailable(error) ? 'workflow service' : null;
}

export const unavailableMessage = (service: string) => `the ${service} is unavailable; retry shortly`;
