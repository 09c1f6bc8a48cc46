/**
 * Every branch of the withdrawal workflow on the time-skipping server. Activities are in-memory fakes that record what
 * the workflow asked for, so each test can check the money side (hold released or posted, exactly once). Long waits
 * continue as new: withdrawal-long-waits.json is their first run recorded before that change, which never did.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createWithdrawalActivities } from '../../activities/withdrawals/activities.js';
import type { WithdrawalStatus } from '../../domain/withdrawals/status.js';
import { updateWithdrawal } from '../../services/withdrawals/client.js';
import { withdrawalWorkflow } from '../../workflows/withdrawals/workflow.js';
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
} from '../../workflows/withdrawals/messages.js';
import { recordHistory, runsOf, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

type Activities = ReturnType<typeof createWithdrawalActivities>;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

const CODE = '246810';

/** In-memory activities: providers behave as each test says; every call is recorded. */
function fakeActivities(
  options: {
    providers?: Record<string, 'ok' | 'refuse' | 'error'>;
    checks?: Array<'pending' | 'confirmed' | 'failed'>;
    /** Holds the recording of `gated` (queued unless said) until it resolves. */
    gate?: Promise<void>;
    gated?: WithdrawalStatus;
    /** What each check of the user's disabled state answers, in turn (then: not disabled). */
    disabled?: boolean[];
    /** Holds the release of the hold until it resolves. */
    release?: Promise<void>;
    /** Called when the release of the hold starts (the workflow has decided to release it). */
    releasing?: () => void;
    /** Holds the check of the user's disabled state in flight: it calls `entered`, then answers once `until` resolves. */
    userCheck?: { entered: () => void; until: Promise<void> };
    /** Why the address may not be paid (one of our own wallets), asked before the send. */
    refusal?: string;
    /** Holds the check of a code in flight: it calls `entered`, then answers once `until` resolves. */
    codeCheck?: { entered: () => void; until: Promise<void> };
    /** Whether the user has two-factor on when a code is checked (whatever they had at the request). */
    totpOn?: boolean;
    /** The hash a confirmed check says paid (a raised fee's replacement), if not the one sent. */
    minedHash?: string;
  } = {},
) {
  const calls: string[] = [];
  const statuses: WithdrawalStatus[] = [];
  /** The transaction hash each recorded status named. */
  const hashes: Array<[WithdrawalStatus, string | undefined]> = [];
  const providers = options.providers ?? { 'hot-a': 'ok' };
  const checks = [...(options.checks ?? [])];
  const disabled = [...(options.disabled ?? [])];
  let attemptsA = 0;
  const activities: Activities = {
    async recordWithdrawalStatus({ status, txHash }) {
      if (status === (options.gated ?? 'queued') && options.gate) await options.gate;
      statuses.push(status);
      hashes.push([status, txHash]);
    },
    async sendWithdrawalCode() {
      calls.push('code');
    },
    async verifyWithdrawalConfirmation({ code, totp }) {
      if (options.codeCheck) {
        options.codeCheck.entered();
        await options.codeCheck.until;
      }
      return { codeOk: code === CODE, totpOk: totp === '135790', totpRequired: options.totpOn ?? false };
    },
    async withdrawalUserDisabled() {
      if (options.userCheck) {
        options.userCheck.entered();
        await options.userCheck.until;
      }
      const answer = disabled.shift() ?? false;
      if (answer) calls.push('disabled');
      return answer;
    },
    async payoutRefusal() {
      if (options.refusal) calls.push('refused');
      return options.refusal ?? null;
    },
    async withdrawalProviders() {
      return Object.keys(providers);
    },
    async sendWithdrawal({ providerId }) {
      calls.push(`send:${providerId}`);
      const behaviour = providers[providerId];
      if (behaviour === 'refuse')
        throw ApplicationFailure.nonRetryable(`${providerId} has too little balance`, 'provider_refused');
      if (behaviour === 'error') {
        attemptsA += 1;
        throw new Error(`${providerId} RPC error (attempt ${attemptsA})`);
      }
      return { txHash: `0x${providerId}`, chain: 'evm-31337' };
    },
    async checkWithdrawalTransaction() {
      const state = checks.shift() ?? 'pending';
      const mined = state === 'confirmed' && options.minedHash ? { txHash: options.minedHash } : {};
      return { state, confirmations: 0, reason: 'reverted', ...mined } as never;
    },
    async settleWithdrawal() {
      calls.push('settle');
    },
    async releaseWithdrawal() {
      options.releasing?.();
      await options.release;
      calls.push('release');
    },
    async notifyWithdrawal({ event }) {
      calls.push(`notify:${event}`);
    },
  };
  return { activities, calls, statuses, hashes, attempts: () => attemptsA };
}

let counter = 0;
async function run(
  fakes: ReturnType<typeof fakeActivities>,
  input: Partial<WithdrawalInput>,
  drive: (handle: Awaited<ReturnType<typeof env.client.workflow.start<typeof withdrawalWorkflow>>>) => Promise<void>,
  record?: string,
) {
  const taskQueue = `withdrawals-${++counter}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: fakes.activities,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(withdrawalWorkflow, {
      taskQueue,
      workflowId: `withdrawal:test-${counter}`,
      args: [
        {
          id: `w-${counter}`,
          userId: 'user-1',
          currency: 'ETH',
          approvalRequired: false,
          totpRequired: false,
          confirmTtlMs: 10 * 60_000,
          approvalTtlMs: 7 * 24 * 3_600_000,
          pollIntervalMs: 30_000,
          ...input,
        },
      ],
    });
    await drive(handle);
    const result = await handle.result();
    if (record && process.env.RECORD_HISTORIES) {
      await writeFile(
        new URL(`../fixtures/histories/${record}.json`, import.meta.url),
        historyToJSON(await handle.fetchHistory()),
      );
    }
    const runs = await runsOf(env.client, handle.workflowId, handle.firstExecutionRunId);
    return { result, state: await handle.query(withdrawalStateQuery), runs };
  });
}

async function waitFor(
  handle: { query: (q: typeof withdrawalStateQuery) => Promise<{ status: WithdrawalStatus }> },
  status: WithdrawalStatus,
) {
  for (let i = 0; i < 200; i++) {
    if ((await handle.query(withdrawalStateQuery)).status === status) return;
    await sleep(25);
  }
  throw new Error(`never reached ${status}`);
}

describe('withdrawalWorkflow', () => {
  it('confirms with the code, sends, waits for the chain and posts the hold', async () => {
    const fakes = fakeActivities();
    const { result, state } = await run(
      fakes,
      {},
      async (handle) => {
        // answered once the status it leads to is recorded, where the API reads it
        expect(await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] })).toEqual({
          accepted: true,
          status: 'queued',
        });
        expect(fakes.statuses).toEqual(['queued']);
        await waitFor(handle, 'broadcast');
        await handle.signal(withdrawalConfirmedSignal, { txHash: '0xhot-a' });
      },
      'withdrawal-confirm-answers-once-recorded',
    );
    expect(result).toBe('succeeded');
    expect(fakes.statuses).toEqual(['queued', 'broadcast', 'succeeded']);
    expect(fakes.calls).toEqual(['code', 'send:hot-a', 'settle', 'notify:succeeded']);
    expect(state).toMatchObject({ providerId: 'hot-a', txHash: '0xhot-a', approvalState: 'not_required' });
  });

  it("records the hash a raised fee's replacement was mined under once the check finds it paid", async () => {
    const fakes = fakeActivities({ checks: ['confirmed'], minedHash: '0xhot-a-raised' });
    const { result, state } = await run(fakes, {}, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
    });
    expect(result).toBe('succeeded');
    expect(fakes.hashes).toEqual([
      ['queued', undefined],
      ['broadcast', '0xhot-a'],
      ['succeeded', '0xhot-a-raised'],
    ]);
    expect(state.txHash).toBe('0xhot-a-raised');
  });

  it('waits while its user is disabled and sends once they are enabled again', async () => {
    const fakes = fakeActivities({ disabled: [true, true], checks: ['confirmed'] });
    const { result } = await run(
      fakes,
      {},
      async (handle) => {
        await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      },
      'withdrawal-waits-while-user-disabled',
    );
    expect(result).toBe('succeeded');
    expect(fakes.calls).toEqual(['code', 'disabled', 'disabled', 'send:hot-a', 'settle', 'notify:succeeded']);
  });

  it('cancels after five wrong codes and releases the hold', async () => {
    let release!: () => void;
    const fakes = fakeActivities({ release: new Promise<void>((resolve) => (release = resolve)) });
    const { result } = await run(fakes, {}, async (handle) => {
      for (let left = 4; left >= 0; left--) {
        expect(await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: '000000' }] })).toEqual({
          accepted: false,
          status: 'awaiting_confirmation',
          attemptsLeft: left,
          reason: 'code',
        });
      }
      // while the hold is being released, a sixth code is refused naming the status it is in now
      await expect(handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] }))
        .rejects.toMatchObject({
          cause: { message: 'the withdrawal is cancelled, not awaiting confirmation' },
        })
        .finally(release);
    });
    expect(result).toBe('cancelled');
    expect(fakes.calls).toEqual(['code', 'release', 'notify:cancelled']);
  });

  it('refuses a malformed code before it reaches history, without counting an attempt', async () => {
    const fakes = fakeActivities();
    await run(fakes, {}, async (handle) => {
      await expect(handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: '12ab56' }] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      expect((await handle.query(withdrawalStateQuery)).codeAttempts).toBe(0);
      await handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ userId: 'user-1' }] });
    });
  });

  it('needs the TOTP code too when the user has two-factor on', async () => {
    const fakes = fakeActivities({ totpOn: true });
    const { result } = await run(fakes, { totpRequired: true }, async (handle) => {
      // the refusal names the missing field, through the client's mapping to a DomainError too
      const id = handle.workflowId.replace(/^withdrawal:/, '');
      // (the row is read only for a workflow that has ended: none here)
      const deps = { sql: null as never, temporal: env };
      await expect(updateWithdrawal(deps, id, confirmWithdrawalUpdate, { code: CODE })).rejects.toMatchObject({
        code: 'totp_required',
        message: expect.stringMatching(/two-factor/),
        issues: [{ path: 'totp', message: 'is required' }],
      });
      expect(await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE, totp: '111111' }] })).toMatchObject({
        accepted: false,
        reason: 'totp',
      });
      expect(await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE, totp: '135790' }] })).toMatchObject({
        accepted: true,
      });
      await waitFor(handle, 'broadcast');
      await handle.signal(withdrawalConfirmedSignal, { txHash: '0xhot-a' });
    });
    expect(result).toBe('succeeded');
  });

  it('asks for the second factor the user has when confirming: one turned off since the request is not asked for', async () => {
    const fakes = fakeActivities({ totpOn: false });
    const { result } = await run(
      fakes,
      { totpRequired: true },
      async (handle) => {
        expect(await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] })).toEqual({
          accepted: true,
          status: 'queued',
        });
        await waitFor(handle, 'broadcast');
        await handle.signal(withdrawalConfirmedSignal, { txHash: '0xhot-a' });
      },
      'withdrawal-confirm-asks-current-second-factor',
    );
    expect(result).toBe('succeeded');
  });

  it('asks for the second factor turned on since the request, refusing its absence without counting an attempt', async () => {
    const fakes = fakeActivities({ totpOn: true });
    const { result, state } = await run(fakes, { totpRequired: false }, async (handle) => {
      const deps = { sql: null as never, temporal: env };
      const id = handle.workflowId.replace(/^withdrawal:/, '');
      await expect(updateWithdrawal(deps, id, confirmWithdrawalUpdate, { code: CODE })).rejects.toMatchObject({
        code: 'totp_required',
        issues: [{ path: 'totp', message: 'is required' }],
      });
      expect((await handle.query(withdrawalStateQuery)).codeAttempts).toBe(0);
      expect(await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE, totp: '135790' }] })).toMatchObject({
        accepted: true,
      });
      await waitFor(handle, 'broadcast');
      await handle.signal(withdrawalConfirmedSignal, { txHash: '0xhot-a' });
    });
    expect(result).toBe('succeeded');
    expect(state.codeAttempts).toBe(0);
  });

  it('expires when nobody confirms in time and releases the hold', async () => {
    const fakes = fakeActivities();
    const { result } = await run(fakes, {}, async () => {});
    expect(result).toBe('expired');
    expect(fakes.calls).toEqual(['code', 'release', 'notify:expired']);
  });

  it("waits for an operator's approval, records it, and refuses a second one", async () => {
    const fakes = fakeActivities();
    const { result, state } = await run(fakes, { approvalRequired: true }, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'awaiting_approval');
      expect(await handle.executeUpdate(approveWithdrawalUpdate, { args: [{ operatorId: 'op-1' }] })).toBe('queued');
      await expect(handle.executeUpdate(approveWithdrawalUpdate, { args: [{ operatorId: 'op-2' }] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      await waitFor(handle, 'broadcast');
      await handle.signal(withdrawalConfirmedSignal, { txHash: '0xhot-a' });
    });
    expect(result).toBe('succeeded');
    expect(fakes.statuses).toEqual(['awaiting_approval', 'queued', 'broadcast', 'succeeded']);
    expect(state.approvalState).toBe('approved');
  });

  it('releases the hold when an operator rejects, and refuses approving it afterwards', async () => {
    let release!: () => void;
    const fakes = fakeActivities({ release: new Promise<void>((resolve) => (release = resolve)) });
    const { result } = await run(fakes, { approvalRequired: true }, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'awaiting_approval');
      // the rejection is answered once recorded, after the hold's release
      const rejection = await handle.startUpdate(rejectWithdrawalUpdate, {
        args: [{ operatorId: 'op-1', reason: 'sanctioned address' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      await expect(handle.executeUpdate(approveWithdrawalUpdate, { args: [{ operatorId: 'op-1' }] }))
        .rejects.toMatchObject({
          cause: { message: 'the withdrawal is rejected, not awaiting approval' },
        })
        .finally(release);
      expect(await rejection.result()).toBe('rejected');
    });
    expect(result).toBe('rejected');
    expect(fakes.calls).toEqual(['code', 'release', 'notify:rejected']);
  });

  it('lets the user cancel before approval; approving a cancelled withdrawal is refused', async () => {
    const fakes = fakeActivities();
    const { result } = await run(fakes, { approvalRequired: true }, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'awaiting_approval');
      await expect(handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ userId: 'someone-else' }] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      expect(await handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ userId: 'user-1' }] })).toBe('cancelled');
      await expect(handle.executeUpdate(approveWithdrawalUpdate, { args: [{ operatorId: 'op-1' }] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
    });
    expect(result).toBe('cancelled');
    expect(fakes.calls).toEqual(['code', 'release', 'notify:cancelled']);
  });

  it('answers a cancel once the cancelled status is recorded, so a read right after the answer shows it', async () => {
    let open!: () => void;
    const fakes = fakeActivities({ gate: new Promise<void>((resolve) => (open = resolve)), gated: 'cancelled' });
    const { result } = await run(
      fakes,
      {},
      async (handle) => {
        // what the API would read right after the answer: the statuses recorded by then
        const cancel = handle
          .executeUpdate(cancelWithdrawalUpdate, { args: [{ userId: 'user-1' }] })
          .then((answer) => ({ answer, recorded: [...fakes.statuses] }));
        await sleep(500); // the cancelled status is being recorded meanwhile (held by the gate)
        open();
        expect(await cancel).toEqual({ answer: 'cancelled', recorded: ['cancelled'] });
      },
      'withdrawal-cancel-answers-once-recorded',
    );
    expect(result).toBe('cancelled');
    expect(fakes.calls).toEqual(['code', 'release', 'notify:cancelled']);
  });

  it('refuses a cancel that an expiry being recorded beat, naming the status', async () => {
    let open!: () => void;
    let releasing!: () => void;
    const expired = new Promise<void>((resolve) => (releasing = resolve));
    const fakes = fakeActivities({ release: new Promise<void>((resolve) => (open = resolve)), releasing });
    const { result } = await run(fakes, { confirmTtlMs: 60_000 }, async (handle) => {
      await env.sleep('1 minute'); // its deadline (time stops skipping while the release below is held)
      await expired; // its hold is being released (a fixed wait was too short for a loaded machine)
      const cancel = await handle.startUpdate(cancelWithdrawalUpdate, {
        args: [{ userId: 'user-1' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      open();
      await expect(cancel.result()).rejects.toMatchObject({
        cause: { message: 'the withdrawal is expired: the cancel did not take effect' },
      });
    });
    expect(result).toBe('expired');
  });

  it("refuses an operator's approval that a cancel taken in the same workflow task beat, naming the status", async () => {
    let open!: () => void;
    const fakes = fakeActivities({ gate: new Promise<void>((resolve) => (open = resolve)), gated: 'awaiting_approval' });
    const { result } = await run(
      fakes,
      { approvalRequired: true },
      async (handle) => {
        const confirmed = handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
        // both are taken while awaiting approval is being recorded, so the workflow sees them in one step
        await waitFor(handle, 'awaiting_approval');
        const approval = await handle.startUpdate(approveWithdrawalUpdate, {
          args: [{ operatorId: 'op-1' }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        // the cancel is answered once recorded, after the gate
        const cancel = await handle.startUpdate(cancelWithdrawalUpdate, {
          args: [{ userId: 'user-1' }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        open();
        await confirmed;
        expect(await cancel.result()).toBe('cancelled');
        await expect(approval.result()).rejects.toMatchObject({
          cause: { message: 'the withdrawal is cancelled: the approval did not take effect' },
        });
      },
      'withdrawal-decision-answers-once-recorded',
    );
    expect(result).toBe('cancelled');
    expect(fakes.statuses).toEqual(['awaiting_approval', 'cancelled']);
    expect(fakes.calls).toEqual(['code', 'release', 'notify:cancelled']);
  });

  it('refuses a right code that a cancel sent while it was checked beat, naming the status', async () => {
    let entered!: () => void;
    let answer!: () => void;
    const checking = new Promise<void>((resolve) => (entered = resolve));
    const fakes = fakeActivities({ codeCheck: { entered, until: new Promise<void>((resolve) => (answer = resolve)) } });
    const { result } = await run(
      fakes,
      {},
      async (handle) => {
        const confirmed = handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
        await checking;
        expect(await handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ userId: 'user-1' }] })).toBe('cancelled');
        answer();
        // neither accepted (a 200 for a withdrawal that was cancelled) nor a wrong code (it was right)
        await expect(confirmed).rejects.toMatchObject({
          cause: { message: 'the withdrawal is cancelled: the code did not take effect' },
        });
      },
      'withdrawal-confirm-refused-once-ended',
    );
    expect(result).toBe('cancelled');
    expect(fakes.statuses).toEqual(['cancelled']);
    expect(fakes.calls).toEqual(['code', 'release', 'notify:cancelled']);
  });

  it('refuses a code whose check outlasted the deadline, naming the status, not as a wrong code', async () => {
    let entered!: () => void;
    let answer!: () => void;
    const checking = new Promise<void>((resolve) => (entered = resolve));
    const fakes = fakeActivities({ codeCheck: { entered, until: new Promise<void>((resolve) => (answer = resolve)) } });
    const { result } = await run(fakes, { confirmTtlMs: 1_000 }, async (handle) => {
      const confirmed = handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await checking;
      await waitFor(handle, 'expired');
      answer();
      await expect(confirmed).rejects.toMatchObject({
        cause: { message: 'the withdrawal is expired: the code did not take effect' },
      });
    });
    expect(result).toBe('expired');
    expect(fakes.calls).toEqual(['code', 'release', 'notify:expired']);
  });

  it('lets the user cancel after approval while it is queued, but not once it is broadcast', async () => {
    let open!: () => void;
    const fakes = fakeActivities({ gate: new Promise<void>((resolve) => (open = resolve)) });
    const { result } = await run(fakes, { approvalRequired: true }, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'awaiting_approval');
      // the approval is answered once queued is recorded; the cancel comes while it is being recorded
      const approved = handle.executeUpdate(approveWithdrawalUpdate, { args: [{ operatorId: 'op-1' }] });
      await waitFor(handle, 'queued');
      const cancel = await handle.startUpdate(cancelWithdrawalUpdate, {
        args: [{ userId: 'user-1' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      open();
      expect(await approved).toBe('queued');
      expect(await cancel.result()).toBe('cancelled');
    });
    expect(fakes.statuses).toEqual(['awaiting_approval', 'queued', 'cancelled']);
    expect(result).toBe('cancelled');
    expect(fakes.calls).not.toContain('send:hot-a');
    expect(fakes.calls).toContain('release');

    const sent = fakeActivities();
    await run(sent, {}, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'broadcast');
      await expect(handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ userId: 'user-1' }] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      await handle.signal(withdrawalConfirmedSignal, { txHash: '0xhot-a' });
    });
  });

  it('honours a cancel that arrives while the user check before the send is in flight: nothing is sent', async () => {
    for (const approvalRequired of [false, true]) {
      let entered!: () => void;
      const checking = new Promise<void>((resolve) => (entered = resolve));
      let answer!: () => void;
      const fakes = fakeActivities({
        userCheck: { entered, until: new Promise<void>((resolve) => (answer = resolve)) },
        checks: ['confirmed'], // were it sent, it would succeed
      });
      const { result } = await run(
        fakes,
        { approvalRequired },
        async (handle) => {
          await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
          if (approvalRequired) {
            await waitFor(handle, 'awaiting_approval');
            await handle.executeUpdate(approveWithdrawalUpdate, { args: [{ operatorId: 'op-1' }] });
          }
          await checking;
          const cancel = await handle.startUpdate(cancelWithdrawalUpdate, {
            args: [{ userId: 'user-1' }],
            waitForStage: WorkflowUpdateStage.ACCEPTED,
          });
          answer();
          expect(await cancel.result()).toBe('cancelled');
        },
        approvalRequired ? undefined : 'withdrawal-cancel-checked-before-send',
      );
      expect(result).toBe('cancelled');
      expect(fakes.calls.filter((c) => c.startsWith('send'))).toEqual([]);
      expect(fakes.calls.slice(-2)).toEqual(['release', 'notify:cancelled']);
    }
  });

  it('refuses before sending a payout to one of our own wallets (registered after the request): releases the hold, rejected', async () => {
    const fakes = fakeActivities({ refusal: "address is one of Sluice's own wallets", checks: ['confirmed'] });
    const { result, state } = await run(
      fakes,
      {},
      async (handle) => {
        await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      },
      'withdrawal-refuses-own-wallets-before-send',
    );
    expect(result).toBe('rejected');
    expect(fakes.statuses).toEqual(['queued', 'rejected']);
    expect(fakes.calls).toEqual(['code', 'refused', 'release', 'notify:rejected']);
    expect(state).toMatchObject({ status: 'rejected', txHash: null });
  });

  it('fails over to the next provider when one refuses or keeps erroring', async () => {
    // the retries' backoff runs on server timers: let time skip (awaiting the result) and confirm by polling
    const fakes = fakeActivities({ providers: { 'hot-a': 'error', 'hot-b': 'refuse', 'hot-c': 'ok' }, checks: ['confirmed'] });
    const { result, state } = await run(fakes, {}, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
    });
    expect(result).toBe('succeeded');
    expect(fakes.attempts()).toBe(3); // retried with backoff before moving on
    expect(fakes.calls.filter((c) => c.startsWith('send'))).toEqual([
      'send:hot-a',
      'send:hot-a',
      'send:hot-a',
      'send:hot-b',
      'send:hot-c',
    ]);
    expect(state.providerId).toBe('hot-c');
    expect(state.failures.map((f) => f.providerId)).toEqual(['hot-a', 'hot-b']);
  });

  it('keeps the hold when every provider fails, until an operator closes it as failed', async () => {
    const fakes = fakeActivities({ providers: { 'hot-a': 'refuse', 'hot-b': 'refuse' } });
    const { result } = await run(fakes, {}, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'failed_awaiting_operator');
      expect(fakes.calls).not.toContain('release');
      expect(
        await handle.executeUpdate(closeWithdrawalUpdate, {
          args: [{ operatorId: 'op-1', outcome: 'failed', note: 'both hot wallets empty' }],
        }),
      ).toBe('closed');
      await expect(
        handle.executeUpdate(closeWithdrawalUpdate, { args: [{ operatorId: 'op-1', outcome: 'failed', note: 'again' }] }),
      ).rejects.toThrow(WorkflowUpdateFailedError);
    });
    expect(result).toBe('closed');
    expect(fakes.statuses).toEqual(['queued', 'failed_awaiting_operator', 'closed']);
    expect(fakes.calls.filter((c) => c === 'release' || c === 'settle')).toEqual(['release']);
  });

  it('lets an operator close a broadcast withdrawal with no final status as succeeded', async () => {
    const fakes = fakeActivities();
    const { result } = await run(fakes, {}, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'broadcast');
      await handle.executeUpdate(closeWithdrawalUpdate, {
        args: [{ operatorId: 'op-1', outcome: 'succeeded', txHash: '0xhot-a', note: 'gateway confirmed by phone' }],
      });
    });
    expect(result).toBe('closed');
    expect(fakes.calls.filter((c) => c === 'release' || c === 'settle')).toEqual(['settle']);
  });

  it('never counts a reverted transaction as paid', async () => {
    const fakes = fakeActivities();
    const { result } = await run(fakes, {}, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'broadcast');
      await handle.signal(withdrawalFailedSignal, { txHash: '0xhot-a', reason: 'reverted' });
      await waitFor(handle, 'failed_awaiting_operator');
      await handle.executeUpdate(closeWithdrawalUpdate, {
        args: [{ operatorId: 'op-1', outcome: 'failed', note: 'reverted on chain' }],
      });
    });
    expect(result).toBe('closed');
    expect(fakes.calls).not.toContain('settle');
  });

  it('polls the chain when no signal comes', async () => {
    const fakes = fakeActivities({ checks: ['pending', 'pending', 'confirmed'] });
    const { result } = await run(fakes, {}, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
    });
    expect(result).toBe('succeeded');
    expect(fakes.calls).toContain('settle');
  });

  it('continues as new while its user is disabled and while the chain is silent, and sends and posts once', async () => {
    const fakes = fakeActivities({ disabled: Array(6).fill(true) });
    const { result, state, runs } = await run(fakes, { runHistoryLimit: 40 }, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await env.sleep('3 minutes'); // six looks at the user, 11 history events each
      await waitFor(handle, 'broadcast');
      await env.sleep('3 minutes'); // six at the chain
      await handle.signal(withdrawalConfirmedSignal, { txHash: '0xhot-a' }); // to the latest run, which knows the hash
    });
    await recordHistory('withdrawal-continues-as-new', runs[0]);
    await recordHistory('withdrawal-resumed-at-chain', runs.at(-1));
    expect(result).toBe('succeeded');
    expect(fakes.calls).toEqual(['code', ...Array(6).fill('disabled'), 'send:hot-a', 'settle', 'notify:succeeded']);
    expect(fakes.statuses).toEqual(['queued', 'broadcast', 'succeeded']);
    expect(state).toMatchObject({ status: 'succeeded', providerId: 'hot-a', txHash: '0xhot-a' });
    expect(runs.map(resumedAt)).toEqual(expect.arrayContaining([undefined, 'user-check', 'chain']));
    for (const history of runs) expect(eventsOfItsOwn(history)).toBeLessThan(70);
  });

  it('takes a cancel after its wait for a disabled user continued as new, and releases the hold', async () => {
    const fakes = fakeActivities({ disabled: Array(100).fill(true) });
    const { result, runs } = await run(fakes, { runHistoryLimit: 40 }, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await env.sleep('5 minutes');
      expect(await handle.executeUpdate(cancelWithdrawalUpdate, { args: [{ userId: 'user-1' }] })).toBe('cancelled');
    });
    expect(result).toBe('cancelled');
    expect(runs.length).toBeGreaterThan(2);
    expect(fakes.calls.filter((c) => !c.startsWith('disabled'))).toEqual(['code', 'release', 'notify:cancelled']);
  });

  it('lets an operator close a broadcast withdrawal whose wait for the chain continued as new', async () => {
    const fakes = fakeActivities();
    const { result, runs } = await run(fakes, { runHistoryLimit: 40 }, async (handle) => {
      await handle.executeUpdate(confirmWithdrawalUpdate, { args: [{ code: CODE }] });
      await waitFor(handle, 'broadcast');
      await env.sleep('5 minutes');
      await handle.executeUpdate(closeWithdrawalUpdate, {
        args: [{ operatorId: 'op-1', outcome: 'succeeded', txHash: '0xhot-a', note: 'seen on the explorer' }],
      });
    });
    expect(result).toBe('closed');
    expect(runs.length).toBeGreaterThan(2);
    expect(fakes.calls).toEqual(['code', 'send:hot-a', 'settle', 'notify:succeeded']);
  });
});

/**
 * A run's events less the workflow tasks that decided nothing: one the server scheduled for a query or an update the
 * validator refused while an activity ran, or one that timed out or failed on a loaded machine and was scheduled
 * again (three events each), which the run's own looks do not make.
 */
function eventsOfItsOwn(history: Awaited<ReturnType<typeof runsOf>>[number]): number {
  const { EventType: T } = proto.temporal.api.enums.v1;
  const commands = new Set([
    T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    T.EVENT_TYPE_TIMER_STARTED,
    T.EVENT_TYPE_TIMER_CANCELED,
    T.EVENT_TYPE_MARKER_RECORDED,
    T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  ]);
  const events = history.events!;
  const idle = events.filter((e, i) => {
    if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT || e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_FAILED) return true;
    return (
      e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && !commands.has(events[i + 1]?.eventType ?? T.EVENT_TYPE_UNSPECIFIED)
    );
  }).length;
  return events.length - 3 * idle;
}

/** Where a run continued as new started: its input's `resume.at` (undefined for the first run). */
function resumedAt(history: Awaited<ReturnType<typeof runsOf>>[number]): string | undefined {
  const [payload] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
  return JSON.parse(Buffer.from(payload!.data!).toString()).resume?.at;
}
