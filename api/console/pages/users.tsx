/**
 * Users: search by email or role; a user's page with their balances, their ledger history (keyset pages), a balance
 * adjustment with a reason (transfers' service, as POST /v1/ops/adjustments), marking them verified (their email, as
 * PUT /v1/ops/users/{id}/email-verified; their KYC status and level, as PUT /v1/ops/users/{id}/verification) and, for
 * admins, their role, disabling or enabling them and turning their two-factor off (users-auth's rules, as PUT
 * /v1/ops/users/{id}/role and /disabled and DELETE /v1/ops/users/{id}/totp).
 */
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { userAccountName } from '../../../domain/ledger/engine.js';
import { balancesOf, transfersOf } from '../../../services/ledger/queries.js';
import { adjustBalance } from '../../../services/transfers/client.js';
import {
  changeDisabled,
  changeRole,
  listUsers,
  markEmailVerified,
  resetSecondFactor,
  ROLES,
  userById,
} from '../../../services/users-auth/client.js';
import { setVerificationByOperator, VERIFICATION_STATUSES } from '../../../services/verification/client.js';

import type { ApiDeps } from '../../context.js';
import { decodeCursor, page, Positions } from '../../http/pages.js';
import { found } from '../../http/problem.js';
import { WholeNumber } from '../../http/whole-numbers.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { parseAdjustmentForm } from '../adjustment-form.js';
import { Confirmed, optionalText, parseForm, parseInput } from '../forms.js';
import { amounts } from '../money.js';
import { ADMIN_ROLES, OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { requireRoles } from '../session.js';
import { Confirm, DefinitionList, Field, NextPage, PostForm, Select, TextArea, when } from '../ui.js';

const PAGE_SIZE = 50;
const IdParam = z.object({ id: z.uuid() });
const DONE: Record<string, string> = {
  adjusted: 'Balance adjusted.',
  role: 'Role changed.',
  disabled: 'User disabled: their tokens and API keys are refused from now on.',
  enabled: 'User enabled again.',
  email: 'Email verification saved.',
  kyc: 'Identity verification saved.',
  totp: 'Two-factor turned off: they sign in with their password alone until they enrol again.',
};

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const userPath = (id: string) => `${CONSOLE_BASE}/users/${id}`;

  router.get('/', async (c) => {
    const q = parseInput(
      z.object({
        email: optionalText(z.string().max(254)),
        role: z.enum(['', ...ROLES]).optional(),
        cursor: z.string().optional(),
      }),
      c.req.query(),
    );
    const rows = await listUsers(deps.sql, {
      emailPrefix: q.email,
      role: q.role || undefined,
      after: decodeCursor(q.cursor, Positions.uuid),
      limit: PAGE_SIZE + 1,
    });
    const result = page(rows, PAGE_SIZE, (u) => u.id);
    return render(
      c,
      'Users',
      <>
        <form method="get" action={`${CONSOLE_BASE}/users`} class="filters">
          <Field name="email" label="Email starts with" value={q.email} />
          <Select
            name="role"
            label="Role"
            value={q.role}
            options={[['', 'any'], ...ROLES.map((r): [string, string] => [r, r])]}
          />
          <button type="submit">Search</button>
        </form>
        <table>
          <caption>Users</caption>
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Two-factor</th>
              <th>State</th>
              <th>Since</th>
            </tr>
          </thead>
          <tbody>
            {result.data.map((u) => (
              <tr>
                <td>
                  <a href={userPath(u.id)}>{u.email}</a>
                </td>
                <td>{u.role}</td>
                <td>{u.totpEnabled ? 'on' : 'off'}</td>
                <td>{u.disabled ? 'disabled' : 'active'}</td>
                <td>{when(u.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <NextPage path="/users" query={{ email: q.email, role: q.role }} cursor={result.nextCursor} />
      </>,
    );
  });

  /** A user's page; a refused action's form comes back on it as sent (refused-form.tsx). */
  const userPage = async (c: Context<ConsoleEnv>) => {
    const { id } = parseInput(IdParam, c.req.param());
    const { cursor } = parseInput(z.object({ cursor: z.string().optional() }), c.req.query());
    const user = found(await userById(deps.sql, id), 'no such user');
    const account = userAccountName(id);
    const [balances, history, currencies, fmt] = await Promise.all([
      balancesOf(deps.sql, account),
      transfersOf(deps.sql, account, { before: decodeCursor(cursor, Positions.serial), limit: PAGE_SIZE + 1 }),
      deps.currencies.all(),
      amounts(deps),
    ]);
    const entries = page(history, PAGE_SIZE, (t) => t.id);
    const csrf = c.get('csrfToken');
    const isAdmin = c.get('operator').role === 'admin';
    // an admin's own second factor is not theirs to drop here (users-auth refuses it too): another admin's is
    const mayResetTotp = isAdmin && user.totpEnabled && user.id !== c.get('operator').id;
    return render(
      c,
      `User ${user.email}`,
      <>
        <DefinitionList
          items={[
            ['Id', <code>{user.id}</code>],
            ['Role', user.role],
            ['Two-factor', user.totpEnabled ? 'on' : 'off'],
            ['State', <strong class="user-state">{user.disabled ? 'disabled' : 'active'}</strong>],
            ['Email', user.emailVerified ? 'verified' : 'not verified'],
            ['Identity (KYC)', `${user.verificationStatus}, level ${user.verificationLevel}`],
            ['Since', when(user.createdAt)],
            ['Deposits', <a href={`${CONSOLE_BASE}/transactions?kind=evm&user=${id}`}>EVM deposits of this user</a>],
          ]}
        />
        <h2>Balances</h2>
        <table>
          <caption>Posted and pending, per currency</caption>
          <thead>
            <tr>
              <th>Currency</th>
              <th class="num">Posted</th>
              <th class="num">Held (pending debits)</th>
              <th class="num">Available</th>
            </tr>
          </thead>
          <tbody>
            {balances.map((b) => (
              <tr data-currency={b.currency}>
                <td>{b.currency}</td>
                <td class="num">{fmt(b.creditsPosted - b.debitsPosted, b.currency)}</td>
                <td class="num">{fmt(b.debitsPending, b.currency)}</td>
                <td class="num">{fmt(b.creditsPosted - b.debitsPosted - b.debitsPending, b.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Ledger history</h2>
        <table>
          <caption>Transfers of this user's accounts, newest first</caption>
          <thead>
            <tr>
              <th>At</th>
              <th>Kind</th>
              <th class="num">Amount</th>
              <th>Counterparty</th>
              <th>Key</th>
            </tr>
          </thead>
          <tbody>
            {entries.data.map((t) => {
              const incoming = t.credit === account;
              return (
                <tr>
                  <td>{when(t.createdAt)}</td>
                  <td>{t.kind}</td>
                  <td class="num">{`${incoming ? '+' : '−'}${fmt(t.amount, t.currency)}`}</td>
                  <td class="mono">{incoming ? t.debit : t.credit}</td>
                  <td class="mono">{t.key}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <NextPage path={`/users/${id}`} query={{}} cursor={entries.nextCursor} />
        <h2>Actions</h2>
        <div class="actions">
          <PostForm action={`/users/${id}/adjust`} csrfToken={csrf}>
            <input type="hidden" name="key" value={randomUUID()} />
            <Select name="currency" label="Currency" options={currencies.map((cur): [string, string] => [cur.code, cur.code])} />
            <Field name="amount" label="Amount (negative debits the user)" required placeholder="10.50 or -2" />
            <TextArea name="reason" label="Reason (kept on record)" required />
            <Confirm id="adjust" what={`Adjust the balance of ${user.email}`} />
            <button type="submit">Adjust balance</button>
          </PostForm>
          <PostForm action={`/users/${id}/email-verified`} csrfToken={csrf}>
            <input type="hidden" name="verified" value={user.emailVerified ? 'no' : 'yes'} />
            <Confirm
              id="email-verified"
              what={
                user.emailVerified ? `Mark the email of ${user.email} not verified` : `Mark the email of ${user.email} verified`
              }
            />
            <button type="submit">{user.emailVerified ? 'Unmark email verified' : 'Mark email verified'}</button>
          </PostForm>
          <PostForm action={`/users/${id}/verification`} csrfToken={csrf}>
            <Select
              name="status"
              label="Identity verification"
              value={user.verificationStatus}
              options={VERIFICATION_STATUSES.map((s): [string, string] => [s, s])}
            />
            <Field name="level" label="Verification level" type="number" value={String(user.verificationLevel)} required />
            <Confirm id="kyc" what={`Override the identity verification of ${user.email}`} />
            <button type="submit">Save verification</button>
          </PostForm>
          {isAdmin && (
            <>
              <PostForm action={`/users/${id}/role`} csrfToken={csrf}>
                <Select name="role" label="Role" value={user.role} options={ROLES.map((r): [string, string] => [r, r])} />
                <Confirm id="role" what={`Change the role of ${user.email}: what they may do changes at once`} />
                <button type="submit">Change role</button>
              </PostForm>
              <PostForm action={`/users/${id}/disabled`} csrfToken={csrf}>
                <input type="hidden" name="disabled" value={user.disabled ? 'no' : 'yes'} />
                <Confirm
                  id="disabled"
                  what={user.disabled ? `Enable ${user.email} again` : `Disable ${user.email}: refuse their tokens and API keys`}
                />
                <button type="submit">{user.disabled ? 'Enable user' : 'Disable user'}</button>
              </PostForm>
              {mayResetTotp && (
                <PostForm action={`/users/${id}/totp`} csrfToken={csrf}>
                  <Confirm id="totp" what={`Turn off the two-factor of ${user.email}, once support has confirmed it is them`} />
                  <button type="submit">Turn off two-factor</button>
                </PostForm>
              )}
            </>
          )}
        </div>
      </>,
      { notice: DONE[c.req.query('done') ?? ''] },
    );
  };
  router.get('/:id', userPage);

  router.post(
    '/:id/adjust',
    refusable(userPage, async (c) => {
      const { id } = parseInput(IdParam, c.req.param());
      const { currency, amount, reason, idempotencyKey } = await parseAdjustmentForm(c, deps);
      await adjustBalance(deps, {
        operatorId: c.get('operator').id,
        userId: id,
        currency: currency.code,
        amount,
        reason,
        idempotencyKey,
      });
      return c.redirect(`${userPath(id)}?done=adjusted`, 303);
    }),
  );

  const yesNo = z.enum(['yes', 'no']).transform((v) => v === 'yes');

  router.post('/:id/email-verified', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    const form = await parseForm(c, z.object({ confirm: Confirmed, verified: yesNo }));
    await markEmailVerified(deps, { operatorId: c.get('operator').id, userId: id, verified: form.verified });
    return c.redirect(`${userPath(id)}?done=email`, 303);
  });

  router.post(
    '/:id/verification',
    refusable(userPage, async (c) => {
      const { id } = parseInput(IdParam, c.req.param());
      const form = await parseForm(
        c,
        z.object({ confirm: Confirmed, status: z.enum(VERIFICATION_STATUSES), level: WholeNumber(0, 99n).transform(Number) }),
      );
      await setVerificationByOperator(
        { sql: deps.sql, log: deps.log, userChanged: (userId) => deps.users.userChanged(userId) },
        { operatorId: c.get('operator').id, userId: id, status: form.status, level: form.level },
      );
      return c.redirect(`${userPath(id)}?done=kyc`, 303);
    }),
  );

  router.post('/:id/disabled', requireRoles(ADMIN_ROLES), async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    const form = await parseForm(c, z.object({ confirm: Confirmed, disabled: yesNo }));
    await changeDisabled(deps, { adminId: c.get('operator').id, userId: id, disabled: form.disabled });
    return c.redirect(`${userPath(id)}?done=${form.disabled ? 'disabled' : 'enabled'}`, 303);
  });

  router.post('/:id/totp', requireRoles(ADMIN_ROLES), async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    await parseForm(c, z.object({ confirm: Confirmed }));
    await resetSecondFactor(deps, { adminId: c.get('operator').id, userId: id });
    return c.redirect(`${userPath(id)}?done=totp`, 303);
  });

  router.post(
    '/:id/role',
    requireRoles(ADMIN_ROLES),
    refusable(userPage, async (c) => {
      const { id } = parseInput(IdParam, c.req.param());
      const form = await parseForm(c, z.object({ confirm: Confirmed, role: z.enum(ROLES) }));
      await changeRole(deps, { adminId: c.get('operator').id, userId: id, role: form.role });
      return c.redirect(`${userPath(id)}?done=role`, 303);
    }),
  );
}

export const usersPage: ConsolePage = { path: '/users', title: 'Users', roles: OPERATOR_ROLES, routes };
