/**
 * Watched XRPL accounts: the list, adding one (its history is backfilled), an account's page with its backfill's
 * progress (the workflow's query), resync and remove, and a link to its transactions. Actions go through
 * xrpl-tracking's client, as the /api/accounts routes do.
 */
import type { Context, Hono } from 'hono';
import { isValidClassicAddress } from 'xrpl';
import { z } from 'zod';
import {
  addWatchedAccount,
  backfillStatus,
  listAccounts,
  removeWatchedAccount,
  requireWatchedAccount,
  resyncAccount,
} from '../../../services/xrpl-tracking/client.js';
import { xrplBackfillWorkflowId } from '../../../workflows/xrpl-tracking/messages.js';
import type { ApiDeps } from '../../context.js';
import { decodeCursor, page } from '../../http/pages.js';
import { CLASSIC_ADDRESS } from '../../../domain/xrpl-tracking/positions.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, optionalText, parseForm, parseInput } from '../forms.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { TemporalLink } from '../temporal-ui.js';
import { Confirm, DefinitionList, Field, NextPage, PostForm, when } from '../ui.js';

const PAGE_SIZE = 100;
const Address = z
  .string()
  .trim()
  .max(64)
  .refine(isValidClassicAddress, 'must be a classic XRPL address (r…) with a valid checksum');
const AddressParam = z.object({ address: Address });
const DONE: Record<string, string> = {
  added: 'Watched: its history is being backfilled.',
  resynced: 'Backfilling its whole history again.',
  removed: 'No longer watched; its stored payments are removed.',
};

const transactionsOf = (address: string) => `${CONSOLE_BASE}/transactions?account=${address}`;

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;
  const accountPath = (address: string) => `${CONSOLE_BASE}/xrpl-accounts/${address}`;

  /** The watched accounts; a refused address comes back in the form as sent (refused-form.tsx). */
  const accountsList = async (c: Context<ConsoleEnv>) => {
    const { cursor } = parseInput(z.object({ cursor: z.string().optional() }), c.req.query());
    const rows = await listAccounts(deps.sql, { after: decodeCursor(cursor, CLASSIC_ADDRESS), limit: PAGE_SIZE + 1 });
    const result = page(rows, PAGE_SIZE, (a) => a.address);
    return render(
      c,
      'XRPL accounts',
      <>
        <PostForm action="/xrpl-accounts" csrfToken={c.get('csrfToken')} class="inline">
          <Field name="address" label="Address to watch" required placeholder="r…" />
          <Field name="label" label="Label (optional)" />
          <button type="submit">Watch and backfill</button>
        </PostForm>
        <p>
          <TemporalLink ui={ui} attributes={{ SluiceKind: 'xrpl-backfill' }} label="Backfills" />
        </p>
        <table>
          <caption>Watched accounts, by address</caption>
          <thead>
            <tr>
              <th>Address</th>
              <th>Label</th>
              <th>Complete through ledger</th>
              <th>Backfilled</th>
              <th>Payments</th>
            </tr>
          </thead>
          <tbody>
            {result.data.map((a) => (
              <tr>
                <td class="mono">
                  <a href={accountPath(a.address)}>{a.address}</a>
                  {a.isDepositAddress && ' (deposit address)'}
                </td>
                <td>{a.label}</td>
                <td>{a.completeThroughLedger ?? '—'}</td>
                <td>{when(a.backfilledAt)}</td>
                <td>
                  <a href={transactionsOf(a.address)}>Transactions</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <NextPage path="/xrpl-accounts" query={{}} cursor={result.nextCursor} />
      </>,
      { notice: DONE[c.req.query('done') ?? ''] },
    );
  };
  router.get('/', accountsList);

  router.post(
    '/',
    refusable(accountsList, async (c) => {
      const form = await parseForm(c, z.object({ address: Address, label: optionalText(z.string().max(100)) }));
      const account = await addWatchedAccount(deps.sql, deps.temporal, deps.log, {
        address: form.address,
        label: form.label ?? null,
        operator: c.get('operator'),
      });
      return c.redirect(`${accountPath(account.address)}?done=added`, 303);
    }),
  );

  router.get('/:address', async (c) => {
    const { address } = parseInput(AddressParam, c.req.param());
    const account = await requireWatchedAccount(deps.sql, address);
    // none yet, or Temporal is down: the account is still worth showing
    const backfill = await backfillStatus(deps.temporal, address).catch(() => null);
    const csrf = c.get('csrfToken');
    return render(
      c,
      `XRPL account ${account.label ?? address}`,
      <>
        <DefinitionList
          items={[
            ['Address', <code>{address}</code>],
            ['Label', account.label],
            ['Deposit address', account.isDepositAddress ? 'yes: payments to it are matched to users by tag' : 'no'],
            ['Complete through ledger', account.completeThroughLedger?.toString()],
            ['Watched since', when(account.createdAt)],
            ['Payments', <a href={transactionsOf(address)}>Transactions of this account</a>],
          ]}
        />
        <h2>Backfill</h2>
        {backfill ? (
          <DefinitionList
            items={[
              ['State', <strong class="backfill-state">{backfill.state}</strong>],
              ['Mode', backfill.mode],
              ['Pages', String(backfill.pages)],
              ['Payments seen', String(backfill.payments)],
              ['Newly stored', String(backfill.inserted)],
              ['Started', backfill.startedAt],
              [
                'Workflow',
                <TemporalLink
                  ui={ui}
                  attributes={{ WorkflowId: xrplBackfillWorkflowId(address) }}
                  label={xrplBackfillWorkflowId(address)}
                />,
              ],
            ]}
          />
        ) : (
          <p>No backfill answers (none has run, or Temporal is unavailable).</p>
        )}
        <h2>Actions</h2>
        <div class="actions">
          <PostForm action={`/xrpl-accounts/${address}/resync`} csrfToken={csrf}>
            <Confirm id="resync" what={`Backfill the whole history of ${address} again`} />
            <button type="submit">Resync</button>
          </PostForm>
          {!account.isDepositAddress && (
            <PostForm action={`/xrpl-accounts/${address}/remove`} csrfToken={csrf}>
              <Confirm id="remove" what={`Stop watching ${address} and remove its stored payments`} />
              <button type="submit">Remove</button>
            </PostForm>
          )}
        </div>
      </>,
      { notice: DONE[c.req.query('done') ?? ''] },
    );
  });

  router.post('/:address/resync', async (c) => {
    const { address } = parseInput(AddressParam, c.req.param());
    await parseForm(c, z.object({ confirm: Confirmed }));
    await resyncAccount(deps.sql, deps.temporal, { address, operatorEmail: c.get('operator').email });
    return c.redirect(`${accountPath(address)}?done=resynced`, 303);
  });

  router.post('/:address/remove', async (c) => {
    const { address } = parseInput(AddressParam, c.req.param());
    await parseForm(c, z.object({ confirm: Confirmed }));
    await removeWatchedAccount(deps.sql, deps.temporal, deps.log, { address, operatorId: c.get('operator').id });
    return c.redirect(`${CONSOLE_BASE}/xrpl-accounts?done=removed`, 303);
  });
}

export const xrplAccountsPage: ConsolePage = { path: '/xrpl-accounts', title: 'XRPL accounts', roles: OPERATOR_ROLES, routes };
