/**
 * The account-mail workflow on the time-skipping server with its real activity and a mail server that refuses twice:
 * the link still goes out (retried, its backoff skipped), rebuilt from the key so it is the link the API would accept,
 * and no secret is in the workflow's history.
 */
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountMailActivities } from '../../activities/users-auth/account-mail.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import { linkSecret, linkToken } from '../../services/users-auth/single-use-links.js';
import { checkEmailVerificationToken } from '../../services/users-auth/email-links.js';
import { accountMailWorkflow } from '../../workflows/users-auth/workflow.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
const key = Buffer.alloc(32, 7);

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnvironment(), createTestDatabase()]);
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

/** A mail server that refuses the first `failures` messages, then takes them. */
function flakyMailer(failures: number) {
  const sent: Array<{ to: string; subject: string; text: string }> = [];
  let calls = 0;
  const mailer = {
    async send(message: { to: string; subject: string; text: string }) {
      if (++calls <= failures) throw new Error('421 service not available');
      sent.push(message);
    },
  } as unknown as Mailer;
  return { mailer, sent, calls: () => calls };
}

/** Every payload in a history (inputs, results, failures' details), decoded: what an operator reading it could see. */
function payloadText(history: unknown): string {
  const texts: string[] = [];
  const visit = (node: unknown) => {
    if (node instanceof Uint8Array) texts.push(Buffer.from(node).toString('utf8'));
    else if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') Object.values(node).forEach(visit);
  };
  visit(history);
  return texts.join('\n');
}

async function run(workflowId: string, input: Parameters<typeof accountMailWorkflow>[0], mailer: Mailer) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'account-mail-test',
    workflowBundle: workflowBundle(),
    activities: createAccountMailActivities({
      sql: db.sql,
      log: pino({ level: 'silent' }),
      mailer,
      publicUrl: 'https://sluice.example',
      key,
      verificationTtlMs: 86_400_000,
      resetTtlMs: 3_600_000,
      emailChangeTtlMs: 3_600_000,
    }),
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(accountMailWorkflow, {
      taskQueue: 'account-mail-test',
      workflowId,
      args: [input],
    });
    await handle.result();
    const history = await handle.fetchHistory();
    if (process.env.RECORD_HISTORIES) {
      await writeFile(new URL('../fixtures/histories/account-mail.json', import.meta.url), historyToJSON(history));
    }
    return payloadText(history);
  });
}

describe('accountMailWorkflow', () => {
  it('mails a verification link through a mail server that refuses twice', async () => {
    const flaky = flakyMailer(2);
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + 86_400) * 1000).toISOString();
    const history = await run(
      'account-mail:verification:test',
      { kind: 'email-verification', userId: '0b7e6a4e-2f7c-4d55-9a3e-3c1f0d2b9e11', email: 'ann@example.com', expiresAt },
      flaky.mailer,
    );
    expect(flaky.calls()).toBe(3);
    expect(flaky.sent).toHaveLength(1);
    const token = /verify-email\?token=(\S+)/.exec(flaky.sent[0]!.text)![1]!;
    expect(checkEmailVerificationToken(key, token)).toMatchObject({ ok: true });
    expect(history).toContain('ann@example.com');
    expect(history).not.toContain(token);
  });

  it('mails a reset link whose secret is derived from its id, never carried in the history, saying it revokes API keys and unlinks Telegram', async () => {
    const flaky = flakyMailer(1);
    const resetId = '5d0f6f9e-8a4b-4c43-9d7e-1f2a3b4c5d6e';
    const history = await run(
      'account-mail:reset:test',
      { kind: 'password-reset', resetId, email: 'ann@example.com' },
      flaky.mailer,
    );
    expect(flaky.sent[0]!.text).toContain(`reset-password?token=${resetId}.${linkSecret(key, 'password-reset', resetId)}`);
    // the user is told what the reset costs before using it: sessions signed out, API keys revoked, Telegram unlinked
    expect(flaky.sent[0]!.text).toContain(
      'signs every session out, revokes every API key of the account and unlinks its Telegram account',
    );
    expect(history).toContain(resetId);
    expect(history).not.toContain(linkSecret(key, 'password-reset', resetId));
  });

  it('mails a change of address: its link to the new address, secret not in the history, and a notice with no link to the old', async () => {
    const changeId = '6e1a7b2c-9d3e-4f50-8a61-2b3c4d5e6f70';
    const flaky = flakyMailer(1);
    const history = await run(
      'account-mail:email-change:test',
      { kind: 'email-change', changeId, email: 'new@example.com' },
      flaky.mailer,
    );
    expect(flaky.sent[0]).toMatchObject({ to: 'new@example.com' });
    expect(flaky.sent[0]!.text).toContain(`confirm-email-change?token=${linkToken(key, 'email-change', changeId)}`);
    expect(history).not.toContain(linkSecret(key, 'email-change', changeId));

    const told = flakyMailer(0);
    await run(
      'account-mail:email-change-notice:test',
      { kind: 'email-change-notice', changeId, email: 'old@example.com', newEmail: 'newcomer@example.com' },
      told.mailer,
    );
    expect(told.sent[0]).toMatchObject({ to: 'old@example.com' });
    expect(told.sent[0]!.text).toContain('n***@example.com');
    expect(told.sent[0]!.text).not.toMatch(/token=|newcomer@example\.com/);
  });
});
