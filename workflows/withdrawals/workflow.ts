/**
 * Withdrawal `withdrawal:<id>`: the funds are already held when it starts. Email code → operator approval when
 * required → the address checked again (not one of our own wallets) → send through the currency's providers in
 * priority order → wait for the chain's confirmations → post the hold; every other end voids it, except a failure
 * after sending, which waits for an operator to close it.
 * Its two waits that poll (a disabled user, a silent chain) may last days: a long run continues as new, resuming there.
 */
import {
  ApplicationFailure,
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createWithdrawalActivities } from '../../activities/withdrawals/activities.js';
import { ErrorCode } from '../../domain/errors.js';
import { totpRequired } from '../../domain/users-auth/second-factor.js';
import {
  MAX_CODE_ATTEMPTS,
  operatorMayClose,
  statusWords,
  userMayCancel,
  type WithdrawalStatus,
} from '../../domain/withdrawals/status.js';
import { transactionConfirmedSignal } from '../evm-sends/messages.js';
import { ApprovalState, SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import { runIsLong } from '../../platform/temporal/run-length.js';
import { isPatched } from '../../platform/temporal/versions.js';
import {
  approveWithdrawalUpdate,
  cancelWithdrawalUpdate,
  closeWithdrawalUpdate,
  confirmWithdrawalUpdate,
  rejectWithdrawalUpdate,
  withdrawalConfirmedSignal,
  withdrawalFailedSignal,
  withdrawalStateQuery,
  type WithdrawalInput,
  type WithdrawalResume,
  type WithdrawalState,
} from './messages.js';

type Activities = ReturnType<typeof createWithdrawalActivities>;

const bookkeeping = proxyActivities<Activities>(retryPolicies.bookkeeping);
// a refusal (no funds) moves on to the next provider at once, without the policy's retries
const sending = proxyActivities<Activities>(retryPolicies.providerSend);

const conflict = (message: string) => ApplicationFailure.create({ type: ErrorCode.Conflict, message, nonRetryable: true });

/** A confirmation without the TOTP code the user's second factor needs: the field rides in the details (client.ts). */
function totpMissing() {
  const missing = totpRequired();
  return ApplicationFailure.create({
    type: missing.code,
    message: missing.message,
    details: [missing.issues],
    nonRetryable: true,
  });
}

export async function withdrawalWorkflow(input: WithdrawalInput): Promise<WithdrawalStatus> {
  const { resume } = input;
  const state: WithdrawalState = resume?.state ?? {
    status: 'awaiting_confirmation',
    codeAttempts: 0,
    approvalState: input.approvalRequired ? 'pending' : 'not_required',
    providerId: null,
    txHash: null,
    failures: [],
  };
  let confirmed = resume !== undefined;
  let verifying = false;
  let cancellation: { actor: string; reason: string } | null = null;
  let decision: { approved: boolean; operatorId: string; reason?: string } | null = null;
  let sendStarted = resume?.at === 'chain';
  let chainResult: { confirmed: true } | { confirmed: false; reason: string } | null = null;
  let close: { operatorId: string; outcome: 'succeeded' | 'failed'; txHash?: string; note: string } | null = null;
  // the status the API reads (the withdrawal's row): an accepted code is answered once the next one is recorded there
  let recorded: WithdrawalStatus = state.status;

  /** The status a decision already taken leads to, before the workflow has recorded it: refusals name this one. */
  function currentStatus(): WithdrawalStatus {
    if (cancellation) return 'cancelled';
    if (state.status === 'awaiting_confirmation' && confirmed) return input.approvalRequired ? 'awaiting_approval' : 'queued';
    if (state.status === 'awaiting_approval' && decision) return decision.approved ? 'queued' : 'rejected';
    return state.status;
  }
  const isNot = (expected: WithdrawalStatus) =>
    conflict(`the withdrawal is ${statusWords(currentStatus())}, not ${statusWords(expected)}`);
  const tookNoEffect = () => conflict(`the withdrawal is ${statusWords(currentStatus())}: the code did not take effect`);

  setHandler(withdrawalStateQuery, () => state);

  setHandler(
    confirmWithdrawalUpdate,
    async ({ code, totp }) => {
      verifying = true;
      try {
        const check = await bookkeeping.verifyWithdrawalConfirmation({ id: input.id, code, totp });
        // a cancel (or the deadline) got in while the code was checked: the code took no effect, right or wrong, and
        // is refused naming the status (it was answered accepted, or as a wrong code with no attempts left)
        if ((cancellation || state.status !== 'awaiting_confirmation') && isPatched('withdrawal-confirm-refused-once-ended'))
          throw tookNoEffect();
        if (state.status !== 'awaiting_confirmation')
          return { accepted: false, status: state.status, attemptsLeft: 0, reason: 'code' };
        // the user's second factor now: one turned off since the request is not asked for, one turned on is
        const totpNeeded = isPatched('withdrawal-confirm-asks-current-second-factor') ? check.totpRequired : input.totpRequired;
        if (check.codeOk && totpNeeded && totp === undefined) throw totpMissing();
        if (check.codeOk && (check.totpOk || !totpNeeded)) {
          confirmed = true;
          // a client that reads the withdrawal after this answer sees where it went
          if (isPatched('withdrawal-confirm-answers-once-recorded')) await condition(() => recorded !== 'awaiting_confirmation');
          // the deadline's timer, or a cancel taken in the same workflow task, was acted on before the code
          if ((recorded === 'cancelled' || recorded === 'expired') && isPatched('withdrawal-confirm-refused-once-ended'))
            throw tookNoEffect();
          return { accepted: true, status: recorded };
        }
        state.codeAttempts += 1;
        if (state.codeAttempts >= MAX_CODE_ATTEMPTS)
          cancellation = { actor: 'system', reason: `${MAX_CODE_ATTEMPTS} wrong codes` };
        return {
          accepted: false,
          status: state.status,
          attemptsLeft: MAX_CODE_ATTEMPTS - state.codeAttempts,
          reason: check.codeOk ? 'totp' : 'code',
        };
      } finally {
        verifying = false;
      }
    },
    {
      validator: ({ code, totp }) => {
        if (currentStatus() !== 'awaiting_confirmation') throw isNot('awaiting_confirmation');
        if (verifying) throw conflict('another code for this withdrawal is being checked');
        if (!/^\d{6}$/.test(code))
          throw ApplicationFailure.create({
            type: ErrorCode.ValidationFailed,
            message: 'code must be 6 digits',
            nonRetryable: true,
          });
        if (totp !== undefined && !/^\d{6}$/.test(totp))
          throw ApplicationFailure.create({
            type: ErrorCode.ValidationFailed,
            message: 'totp must be 6 digits',
            details: [[{ path: 'totp', message: 'must be 6 digits' }]],
            nonRetryable: true,
          });
      },
    },
  );

  const decide =
    (approved: boolean) =>
    async ({ operatorId, reason }: { operatorId: string; reason?: string }) => {
      decision = { approved, operatorId, reason };
      const leadsTo = approved ? ('queued' as const) : ('rejected' as const);
      if (!isPatched('withdrawal-decision-answers-once-recorded')) return leadsTo;
      // answered once recorded: a cancel the user got in first (taken in the same workflow task) wins, and the
      // operator is told so instead of an approval that never took effect
      await condition(() => recorded !== 'awaiting_confirmation' && recorded !== 'awaiting_approval');
      if (recorded !== leadsTo)
        throw conflict(
          `the withdrawal is ${statusWords(recorded)}: the ${approved ? 'approval' : 'rejection'} did not take effect`,
        );
      return leadsTo;
    };
  const validateDecision = (_request: unknown) => {
    if (currentStatus() !== 'awaiting_approval') throw isNot('awaiting_approval');
  };
  setHandler(approveWithdrawalUpdate, decide(true), { validator: validateDecision });
  setHandler(rejectWithdrawalUpdate, decide(false), { validator: validateDecision });

  setHandler(
    cancelWithdrawalUpdate,
    async ({ userId }) => {
      cancellation = { actor: `user:${userId}`, reason: 'cancelled by the user' };
      if (!isPatched('withdrawal-cancel-answers-once-recorded')) return 'cancelled' as const;
      // answered once recorded, so a client reading the withdrawal right after sees it cancelled; an end the workflow
      // was already taking (an expiry or refusal being recorded when the cancel came) wins, and the user is told so
      await condition(() => !userMayCancel(recorded));
      if (recorded !== 'cancelled') throw conflict(`the withdrawal is ${statusWords(recorded)}: the cancel did not take effect`);
      return 'cancelled' as const;
    },
    {
      validator: ({ userId }) => {
        if (userId !== input.userId) throw conflict('only the owner may cancel a withdrawal');
        if (sendStarted) throw conflict('the payout of this withdrawal has started: it can no longer be cancelled');
        if (!userMayCancel(currentStatus()))
          throw conflict(`the withdrawal is ${statusWords(currentStatus())} and can no longer be cancelled`);
      },
    },
  );

  setHandler(
    closeWithdrawalUpdate,
    (request) => {
      close = request;
      return 'closed' as const;
    },
    {
      validator: (_request) => {
        if (!operatorMayClose(state.status) || close)
          throw conflict(
            `the withdrawal is ${statusWords(currentStatus())}: only one that failed or has no final status can be closed`,
          );
      },
    },
  );

  setHandler(withdrawalConfirmedSignal, ({ txHash }) => {
    if (txHash === state.txHash) chainResult ??= { confirmed: true };
  });
  setHandler(withdrawalFailedSignal, ({ txHash, reason }) => {
    if (txHash === state.txHash) chainResult ??= { confirmed: false, reason };
  });
  // the EVM listener's word that our send is confirmed (possibly a fee-bumped version): ask the chain at once
  let nudged = false;
  setHandler(transactionConfirmedSignal, () => {
    nudged = true;
  });

  async function moveTo(
    status: WithdrawalStatus,
    change: { actor?: string; detail?: Record<string, unknown>; decidedBy?: string; decisionNote?: string } = {},
  ) {
    state.status = status;
    await bookkeeping.recordWithdrawalStatus({
      id: input.id,
      status,
      providerId: state.providerId ?? undefined,
      txHash: state.txHash ?? undefined,
      ...change,
    });
    recorded = status;
    upsertSearchAttributes([
      { key: SluiceStatus, value: status },
      { key: ApprovalState, value: state.approvalState },
    ]);
  }

  async function release(
    status: 'cancelled' | 'expired' | 'rejected',
    change: Parameters<typeof moveTo>[1],
  ): Promise<WithdrawalStatus> {
    await bookkeeping.releaseWithdrawal({ id: input.id });
    await moveTo(status, change);
    await bookkeeping.notifyWithdrawal({ id: input.id, event: status });
    await condition(allHandlersFinished);
    return status;
  }

  async function awaitOperatorClose(): Promise<WithdrawalStatus> {
    await condition(() => close !== null);
    const { operatorId, outcome, txHash, note } = close!;
    if (outcome === 'succeeded') await bookkeeping.settleWithdrawal({ id: input.id });
    else await bookkeeping.releaseWithdrawal({ id: input.id });
    if (txHash) state.txHash = txHash;
    await moveTo('closed', {
      actor: `operator:${operatorId}`,
      decidedBy: operatorId,
      decisionNote: note,
      detail: { outcome, note, ...(txHash ? { txHash } : {}) },
    });
    await bookkeeping.notifyWithdrawal({ id: input.id, event: outcome === 'succeeded' ? 'succeeded' : 'failed' });
    await condition(allHandlersFinished);
    return 'closed';
  }

  /**
   * A long run continues as new at a wait, and the next run resumes there. No handler is under way at either wait (a
   * code is checked only before the withdrawal is queued; the others answer at once); what they set is acted on first.
   */
  const timeToContinueAsNew = () => runIsLong(input.runHistoryLimit) && isPatched('withdrawal-continues-as-new');
  async function continueAt(at: WithdrawalResume['at']): Promise<never> {
    await condition(allHandlersFinished);
    return continueAsNew<typeof withdrawalWorkflow>({ ...input, resume: { at, state } });
  }

  const cancelled = () => cancellation !== null;
  const releaseCancelled = () => release('cancelled', { actor: cancellation!.actor, detail: { reason: cancellation!.reason } });
  if (!resume) {
    // 1. the user confirms with the mailed code (and TOTP when enabled), or it expires
    await bookkeeping.sendWithdrawalCode({ id: input.id, ttlMs: input.confirmTtlMs });
    const answered = await condition(() => confirmed || cancelled(), input.confirmTtlMs);
    if (cancelled()) return releaseCancelled();
    if (!answered) return release('expired', { detail: { reason: 'not confirmed in time' } });

    // 2. an operator approves when the amount or a new address requires it
    if (input.approvalRequired) {
      await moveTo('awaiting_approval', { actor: `user:${input.userId}` });
      const decided = await condition(() => decision !== null || cancelled(), input.approvalTtlMs);
      if (cancelled()) return releaseCancelled();
      if (!decided) return release('expired', { detail: { reason: 'not approved in time' } });
      const { approved, operatorId, reason } = decision!;
      state.approvalState = approved ? 'approved' : 'rejected';
      if (!approved)
        return release('rejected', {
          actor: `operator:${operatorId}`,
          decidedBy: operatorId,
          decisionNote: reason,
          detail: { reason },
        });
      await moveTo('queued', { actor: `operator:${operatorId}`, decidedBy: operatorId, detail: { approvedBy: operatorId } });
    } else {
      await moveTo('queued', { actor: `user:${input.userId}` });
    }
    if (cancelled()) return releaseCancelled();
  }

  if (resume?.at !== 'chain') {
    // an operator disabled the user (their sessions and keys already stop): nothing is sent until they are enabled again
    if (isPatched('withdrawal-waits-while-user-disabled')) {
      while (await bookkeeping.withdrawalUserDisabled({ id: input.id })) {
        await condition(cancelled, input.pollIntervalMs);
        if (cancelled()) return releaseCancelled();
        if (timeToContinueAsNew()) return continueAt('user-check');
      }
    }

    // 3. the request's refusal of a payout to our own wallets, asked again: a request served before the worker had
    // registered its custody wallets passed it. A cancel taken meanwhile is honoured below instead.
    if (isPatched('withdrawal-refuses-own-wallets-before-send')) {
      const refusal = await bookkeeping.payoutRefusal({ id: input.id });
      if (refusal && !cancelled()) return release('rejected', { actor: 'system', detail: { reason: refusal } });
    }

    // 4. send through the first provider that takes it. An activity that throws broadcast nothing (a provider that
    // stored a signed transaction returns it instead), so moving on to the next provider never sends twice.
    // A cancel accepted at any await above (the last check of the user's state, say) is honoured here, in the same
    // synchronous step that closes cancelling: from `sendStarted` on, the cancel's validator refuses.
    if (isPatched('withdrawal-cancel-checked-before-send') && cancelled()) return releaseCancelled();
    sendStarted = true;
    const providers = await bookkeeping.withdrawalProviders({ currency: input.currency });
    for (const providerId of providers) {
      try {
        const sent = await sending.sendWithdrawal({ id: input.id, providerId });
        state.providerId = providerId;
        state.txHash = sent.txHash;
        break;
      } catch (error) {
        const reason = error instanceof ActivityFailure && error.cause ? error.cause.message : String(error);
        state.failures.push({ providerId, reason });
      }
    }
    if (!state.txHash) {
      await moveTo('failed_awaiting_operator', {
        detail: {
          reason: providers.length ? 'every provider failed' : 'no provider is enabled for this currency',
          failures: state.failures,
        },
      });
      await bookkeeping.notifyWithdrawal({ id: input.id, event: 'failed_awaiting_operator' });
      return awaitOperatorClose();
    }
    await moveTo('broadcast', { detail: { providerId: state.providerId, txHash: state.txHash } });
  }

  // 5. the listener signals the confirmation; polling covers a lost signal. An operator may close meanwhile.
  while (chainResult === null && close === null) {
    await condition(() => chainResult !== null || close !== null || nudged, input.pollIntervalMs);
    if (chainResult !== null || close !== null) break;
    nudged = false;
    const check = await bookkeeping.checkWithdrawalTransaction({ id: input.id });
    if (check.state === 'confirmed') {
      chainResult = { confirmed: true };
      // a raised fee's replacement paid: the withdrawal, its notice and webhook name the hash on chain (a state change
      // only, no command: old histories replay as they ran)
      if (check.txHash) state.txHash = check.txHash;
    }
    if (check.state === 'failed') chainResult = { confirmed: false, reason: check.reason ?? 'the transaction failed' };
    // a word heard during the check (a result, a close, a nudge) is acted on in this run
    if (chainResult === null && close === null && !nudged && timeToContinueAsNew()) return continueAt('chain');
  }
  if (close !== null) return awaitOperatorClose();
  const result = chainResult!;
  if (!result.confirmed) {
    await moveTo('failed_awaiting_operator', { detail: { reason: result.reason, txHash: state.txHash } });
    await bookkeeping.notifyWithdrawal({ id: input.id, event: 'failed_awaiting_operator' });
    return awaitOperatorClose();
  }
  await bookkeeping.settleWithdrawal({ id: input.id });
  await moveTo('succeeded', { detail: { txHash: state.txHash } });
  await bookkeeping.notifyWithdrawal({ id: input.id, event: 'succeeded' });
  await condition(allHandlersFinished);
  return 'succeeded';
}
