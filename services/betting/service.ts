/** Betting's application layer for events: publishing one (its deadline rule, the stored event, its workflow). */
import { formatCoefficient } from '../../domain/betting/bets.js';
import { deadlineProblem, DEFAULT_BETTING_SECONDS, EVENT_TERMS, type EventTerms } from '../../domain/betting/events.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { repeatConflict } from '../../domain/idempotency-keys.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { storeThenStart } from '../../platform/temporal/start-after-commit.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { betEventOutbox } from './client.js';
import { betEventByIdempotencyKey, insertBetEvent, type BetEvent } from './events-store.js';

export interface BetEventDeps {
  sql: Sql;
  temporal: TemporalTarget;
  log: Logger;
}

export interface NewEventRequest {
  providerId: string;
  idempotencyKey: string | null;
  title: string | null;
  /** Hundredths: 185 is 1.85. */
  coefficient: bigint;
  /** Unix seconds; null: now + DEFAULT_BETTING_SECONDS. */
  deadline: number | null;
}

/** The stored event; `replayed` when it is the first event of this Idempotency-Key, answered again. */
export interface PublishedEvent {
  event: BetEvent;
  replayed: boolean;
}

/**
 * Publishes an event and starts its workflow (which closes the book at the deadline and settles the bets). A repeated
 * Idempotency-Key is answered with its event, even once the deadline it asked for has passed.
 */
export async function publishBetEvent(deps: BetEventDeps, request: NewEventRequest): Promise<PublishedEvent> {
  const { providerId, idempotencyKey } = request;
  const replay = (previous: BetEvent): PublishedEvent => {
    const deadline = previous.deadline.getTime() / 1000;
    const first: EventTerms = { title: previous.title, coefficient: previous.coefficient, deadline };
    // no deadline asks for the default, which the first request fixed
    const repeat: EventTerms = { title: request.title, coefficient: request.coefficient, deadline: request.deadline ?? deadline };
    const conflict = repeatConflict(idempotencyKey!, 'event', first, repeat, EVENT_TERMS);
    if (conflict) throw conflict;
    return { event: previous, replayed: true };
  };
  const earlier = idempotencyKey ? await betEventByIdempotencyKey(deps.sql, providerId, idempotencyKey) : null;
  if (earlier) return replay(earlier);

  const nowSeconds = Math.floor(Date.now() / 1000);
  const deadline = request.deadline ?? nowSeconds + DEFAULT_BETTING_SECONDS;
  const problem = deadlineProblem(deadline, nowSeconds);
  if (problem) throw new DomainError(ErrorCode.ValidationFailed, `deadline ${problem}`, [{ path: 'deadline', message: problem }]);

  const created = await storeThenStart(
    betEventOutbox(deps.temporal, deps.sql),
    async () => {
      const inserted = await insertBetEvent(deps.sql, {
        title: request.title,
        coefficient: request.coefficient,
        deadline: new Date(deadline * 1000),
        createdBy: providerId,
        idempotencyKey,
      });
      return inserted.created ? inserted.event : null; // the same key sent twice at once: answered below
    },
    deps.log,
  );
  if (!created) return replay((await betEventByIdempotencyKey(deps.sql, providerId, idempotencyKey!))!);
  deps.log.info(
    { event: created.id, by: providerId, coefficient: formatCoefficient(request.coefficient), deadline: created.deadline },
    'bet event published',
  );
  return { event: created, replayed: false };
}
