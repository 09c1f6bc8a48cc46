import { describe, expect, it } from 'vitest';
import { alreadyTaken, decisions, type RecordedEvent } from '../../domain/withdrawals/repeats.js';

const event = (status: RecordedEvent['status'], actor: string | null, detail = {}): RecordedEvent => ({ status, actor, detail });

describe('a decision asked again', () => {
  const approvedThenClosed = [
    event('awaiting_confirmation', 'user:u1'),
    event('awaiting_approval', 'user:u1'),
    event('queued', 'operator:o1', { approvedBy: 'o1' }),
    event('failed_awaiting_operator', null, { reason: 'every provider failed' }),
    event('closed', 'operator:o2', { outcome: 'failed', note: 'no hot wallet' }),
  ];

  it('is answered with the status the same decision led to', () => {
    expect(alreadyTaken(approvedThenClosed, decisions.confirmation('u1'))).toBe('awaiting_approval');
    expect(alreadyTaken(approvedThenClosed, decisions.approval('o1'))).toBe('queued');
    expect(alreadyTaken(approvedThenClosed, decisions.close('o2', { outcome: 'failed', note: 'no hot wallet' }))).toBe('closed');
    expect(alreadyTaken([event('queued', 'user:u1')], decisions.confirmation('u1'))).toBe('queued');
  });

  it('is a new request from another actor, or with other words', () => {
    expect(alreadyTaken(approvedThenClosed, decisions.approval('o2'))).toBeNull();
    expect(alreadyTaken(approvedThenClosed, decisions.close('o2', { outcome: 'failed', note: 'again' }))).toBeNull();
    expect(
      alreadyTaken(approvedThenClosed, decisions.close('o2', { outcome: 'failed', note: 'no hot wallet', txHash: '0xab' })),
    ).toBeNull();
    const rejected = [event('rejected', 'operator:o1', { reason: 'fraud suspected' })];
    expect(alreadyTaken(rejected, decisions.rejection('o1', 'fraud suspected'))).toBe('rejected');
    expect(alreadyTaken(rejected, decisions.rejection('o1', 'another reason'))).toBeNull();
    // five wrong codes cancel it as the system: the user's cancel was never taken
    expect(alreadyTaken([event('cancelled', 'system', { reason: '5 wrong codes' })], decisions.cancel('u1'))).toBeNull();
    // an approval queues it as the operator's: the user's confirmation is its earlier step
    expect(alreadyTaken([event('queued', 'operator:o1')], decisions.confirmation('u1'))).toBeNull();
  });
});
