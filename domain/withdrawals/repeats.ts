/**
 * A decision on a withdrawal asked again (a client retrying a request whose answer was lost, a console form sent twice)
 * is answered as the first was, from the withdrawal's recorded history. The same decision is the same actor, a status
 * only that decision leads to, and the same words (a rejection's reason, a close's outcome and note); anything else is
 * a new request, which the withdrawal's workflow judges (a 409 once the withdrawal has moved on). A repeat that comes
 * while the first is being recorded is refused by the workflow, which took the first: the caller waits for the record
 * (services/withdrawals/client.ts, `takeDecision`).
 */
import { operatorMayClose, userMayCancel, WITHDRAWAL_STATUSES, type WithdrawalStatus } from './status.js';

/** A decision as the withdrawal's history records it (withdrawal_events). */
export interface RecordedEvent {
  status: WithdrawalStatus;
  actor: string | null;
  detail: Record<string, unknown>;
}

export interface Decision {
  /** `user:<id>`, `operator:<id>`: as the workflow records it. */
  actor: string;
  /** The statuses this decision, and no other, moves the withdrawal to. */
  leadsTo: readonly WithdrawalStatus[];
  /** The recorded statuses it is taken in: while the row shows one, a decision being recorded may be this one. */
  takenIn: readonly WithdrawalStatus[];
  /** The request's words, as the event's detail records them. */
  words?: Record<string, unknown>;
}

/** The status the decision led to when the history shows it taken already, else null. */
export function alreadyTaken(history: readonly RecordedEvent[], decision: Decision): WithdrawalStatus | null {
  const taken = history.find(
    (event) =>
      event.actor === decision.actor &&
      decision.leadsTo.includes(event.status) &&
      Object.entries(decision.words ?? {}).every(([word, value]) => event.detail[word] === value),
  );
  return taken?.status ?? null;
}

/** Each decision a client may retry, as its history records it. */
export const decisions = {
  // to approval, or straight to the queue: recorded as the user's either way
  confirmation: (userId: string): Decision => ({
    actor: `user:${userId}`,
    leadsTo: ['awaiting_approval', 'queued'],
    takenIn: ['awaiting_confirmation'],
  }),
  cancel: (userId: string): Decision => ({
    actor: `user:${userId}`,
    leadsTo: ['cancelled'],
    takenIn: WITHDRAWAL_STATUSES.filter(userMayCancel),
  }),
  approval: (operatorId: string): Decision => ({
    actor: `operator:${operatorId}`,
    leadsTo: ['queued'],
    takenIn: ['awaiting_approval'],
  }),
  rejection: (operatorId: string, reason: string): Decision => ({
    actor: `operator:${operatorId}`,
    leadsTo: ['rejected'],
    takenIn: ['awaiting_approval'],
    words: { reason },
  }),
  close: (operatorId: string, words: { outcome: string; note: string; txHash?: string }): Decision => ({
    actor: `operator:${operatorId}`,
    leadsTo: ['closed'],
    takenIn: WITHDRAWAL_STATUSES.filter(operatorMayClose),
    words,
  }),
};
