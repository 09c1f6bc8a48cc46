/**
 * Deposits and collection: deposits on every chain with their confirmations (EVM: counted by the listener; XRPL:
 * recorded from validated ledgers), the held ones with the operator's credit (deposits' client, as
 * POST /v1/ops/deposits/{id}/credit, recording the operator), the open sweeps, the sweeps to the cold wallet,
 * and the gas keeper with its queued funding requests.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { isEvmChain, type DepositStatus } from '../../../domain/deposits/credit.js';
import { listSweeps, type SweepListItem } from '../../../services/collection/client.js';
import { confirmationsOf, creditHeldDepositByOperator, listDeposits, type Deposit } from '../../../services/deposits/client.js';
import type { ApiDeps } from '../../context.js';
import { decodeCursor, page, Positions } from '../../http/pages.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, parseForm, parseInput } from '../forms.js';
import { gasKeeperView } from '../gas-keeper.js';
import { amounts, type Amounts } from '../money.js';
import { OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { render } from '../render.js';
import { DepositWorkflowLinks } from '../deposit-workflows.js';
import { TemporalLink } from '../temporal-ui.js';
import { Confirm, NextPage, PostForm, Select, when } from '../ui.js';

const PAGE_SIZE = 50;
const HELD_SHOWN = 50;
const SWEEPS_SHOWN = 20;
const STATUSES: readonly DepositStatus[] = ['pending', 'held', 'credited', 'dropped'];
const OPEN_SWEEPS = ['planned', 'funding', 'sending', 'sent'];
const Filters = z.object({
  network: z.enum(['', 'evm', 'xrpl']).default(''),
  status: z.enum(['', ...STATUSES]).default(''),
  cursor: z.string().optional(),
});
const IdParam = z.object({ id: z.string().regex(/^\d{1,19}$/, 'must be a deposit id') });

const label = (s: string) => s.replaceAll('_', ' ');

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  const ui = deps.settings.console.temporalUi;

  router.get('/', async (c) => {
    const f = parseInput(Filters, c.req.query());
    const [rows, held, sweeps, { chain, gas, native }, fmt] = await Promise.all([
      listDeposits(
        deps.sql,
        { network: f.network || undefined, status: f.status || undefined },
        { before: decodeCursor(f.cursor, Positions.serial), limit: PAGE_SIZE + 1 },
      ),
      listDeposits(deps.sql, { status: 'held' }, { limit: HELD_SHOWN }),
      listSweeps(deps.sql, { limit: SWEEPS_SHOWN }),
      gasKeeperView(deps),
      amounts(deps),
    ]);
    const result = page(rows, PAGE_SIZE, (d) => d.id);
    const confirmations = await confirmationsOf(
      deps.sql,
      result.data.filter((d) => isEvmChain(d.chain)).map((d) => d.id),
    );
    const collecting = sweeps.filter((s) => OPEN_SWEEPS.includes(s.status));
    const csrf = c.get('csrfToken');
    return render(
      c,
      'Deposits and collection',
      <>
        <h2>Held deposits</h2>
        <p>
          Kept rather than credited (below the minimum, above the maximum, or while deposits were off). Crediting one credits it
          as it is, less the fee on its amount, and records you as the operator who did.
        </p>
        <table class="held">
          <caption>Held deposits, newest first</caption>
          <thead>
            <tr>
              <th>Detected</th>
              <th class="num">Amount</th>
              <th>Why held</th>
              <th>User</th>
              <th>Transaction</th>
              <th>Action</th>
            </tr>
          </thead>
          <tbody>
            {held.map((d) => (
              <tr data-deposit={d.id}>
                <td>{when(d.detectedAt)}</td>
                <td class="num">{fmt(d.amount, d.currency)}</td>
                <td>{d.holdReason && label(d.holdReason)}</td>
                <td class="mono">{d.userId}</td>
                <td class="mono">{d.txHash}</td>
                <td>
                  <PostForm action={`/deposits/${d.id}/credit`} csrfToken={csrf}>
                    <Confirm id={`credit-${d.id}`} what={`Credit ${fmt(d.amount, d.currency)} to this user`} />
                    <button type="submit">Credit</button>
                  </PostForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {held.length === 0 && <p>None.</p>}

        <h2>Deposits</h2>
        <form method="get" action={`${CONSOLE_BASE}/deposits`} class="filters">
          <Select
            name="network"
            label="Network"
            value={f.network}
            options={[
              ['', 'any'],
              ['evm', 'EVM'],
              ['xrpl', 'XRPL'],
            ]}
          />
          <Select
            name="status"
            label="Status"
            value={f.status}
            options={[['', 'any'], ...STATUSES.map((s): [string, string] => [s, s])]}
          />
          <button type="submit">Filter</button>
        </form>
        <p>
          <TemporalLink
            ui={ui}
            attributes={{ SluiceKind: 'deposit' }}
            label="Deposit workflows (XRPL deposits, EVM conversions and drops)"
          />
        </p>
        <DepositTable deposits={result.data} confirmations={confirmations} fmt={fmt} ui={ui} />
        <NextPage path="/deposits" query={{ network: f.network, status: f.status }} cursor={result.nextCursor} />

        <h2>Sweeps at work</h2>
        <p>
          The chain's sweeper moves every open sweep on each tick, sweeping what credited deposits hold to the cold wallet; a
          sweep it could not move shows why, and is tried again on the next tick.{' '}
          <TemporalLink ui={ui} attributes={{ SluiceKind: 'evm-sweeper' }} label="Sweepers" />
        </p>
        {collecting.length === 0 ? (
          <p>None sweeping now.</p>
        ) : (
          <SweepTable caption="Open sweeps" sweeps={collecting} fmt={fmt} native={native} />
        )}

        <h2>Sweeps</h2>
        <SweepTable caption={`The ${SWEEPS_SHOWN} newest sweeps`} sweeps={sweeps} fmt={fmt} native={native} />
        {sweeps.length === 0 && <p>None yet.</p>}

        <h2>Gas keeper</h2>
        {gas ? (
          <>
            <dl class="gas-keeper">
              <dt>Chain</dt>
              <dd>{chain}</dd>
              <dt>Address</dt>
              <dd class="mono">{gas.address ?? '—'}</dd>
              <dt>Balance</dt>
              <dd>
                {gas.balance === null ? 'not read yet' : fmt(BigInt(gas.balance), native)}
                {gas.low && <strong class="bad"> — low: fund it</strong>}
              </dd>
              <dt>Alert below</dt>
              <dd>{fmt(BigInt(gas.settings.minBalance), native)}</dd>
              <dt>Committed to transactions not yet mined</dt>
              <dd>{gas.committed === null ? '—' : fmt(BigInt(gas.committed), native)}</dd>
              <dt>Sends open</dt>
              <dd>{gas.openSends}</dd>
              <dt>Checked</dt>
              <dd>{gas.checkedAt ?? 'never'}</dd>
            </dl>
            <table class="funding-requests">
              <caption>Funding requests queued</caption>
              <thead>
                <tr>
                  <th>Request</th>
                  <th>To</th>
                  <th class="num">Amount</th>
                </tr>
              </thead>
              <tbody>
                {gas.queue.map((r) => (
                  <tr>
                    <td class="mono">{r.requestId}</td>
                    <td class="mono">{r.to}</td>
                    <td class="num">{fmt(BigInt(r.amount), native)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {gas.queue.length === 0 && <p>No funding request waits.</p>}
            <p>
              <TemporalLink ui={ui} attributes={{ SluiceKind: 'gas-keeper', Chain: chain! }} label="Gas keeper" />
            </p>
          </>
        ) : (
          <p>No gas keeper answers{chain ? ` on ${chain}` : ' (no EVM chain configured)'}.</p>
        )}
      </>,
      { notice: c.req.query('done') === 'credited' ? 'Credited: the held deposit is on the user’s balance.' : undefined },
    );
  });

  router.post('/:id/credit', async (c) => {
    const { id } = parseInput(IdParam, c.req.param());
    await parseForm(c, z.object({ confirm: Confirmed }));
    await creditHeldDepositByOperator(deps, c.get('operator').id, id);
    return c.redirect(`${CONSOLE_BASE}/deposits?done=credited`, 303);
  });
}

type Ui = ApiDeps['settings']['console']['temporalUi'];

function DepositTable(props: { deposits: Deposit[]; confirmations: Map<string, number>; fmt: Amounts; ui: Ui }) {
  const { fmt } = props;
  return (
    <table class="deposits">
      <caption>Deposits, newest first</caption>
      <thead>
        <tr>
          <th>Detected</th>
          <th>Chain</th>
          <th class="num">Amount</th>
          <th>Status</th>
          <th class="num">Confirmations</th>
          <th>User</th>
          <th>Transaction</th>
          <th>Credited</th>
          <th>Workflow</th>
        </tr>
      </thead>
      <tbody>
        {props.deposits.map((d) => (
          <tr data-deposit={d.id}>
            <td>{when(d.detectedAt)}</td>
            <td>{d.chain}</td>
            <td class="num">{fmt(d.amount, d.currency)}</td>
            <td>{d.holdReason ? `${d.status} (${label(d.holdReason)})` : d.status}</td>
            <td class="num">{isEvmChain(d.chain) ? (props.confirmations.get(d.id) ?? '—') : 'validated'}</td>
            <td class="mono">{d.userId}</td>
            <td class="mono">{d.txHash}</td>
            <td>{d.creditedBy ? `${when(d.creditedAt)} by operator ${d.creditedBy}` : when(d.creditedAt)}</td>
            <td>
              <DepositWorkflowLinks ui={props.ui} deposit={d} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SweepTable(props: { caption: string; sweeps: SweepListItem[]; fmt: Amounts; native: string }) {
  const { fmt } = props;
  return (
    <table class="sweeps">
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th>Started</th>
          <th>Wallet</th>
          <th>Status</th>
          <th class="num">Amount</th>
          <th class="num">Gas funded</th>
          <th>Sweep transaction</th>
          <th>Last error</th>
        </tr>
      </thead>
      <tbody>
        {props.sweeps.map((s) => (
          <tr data-sweep={s.id}>
            <td>{when(s.createdAt)}</td>
            <td class="mono">{s.address}</td>
            <td>{s.status}</td>
            <td class="num">{s.amount === null ? '—' : fmt(s.amount, s.currency)}</td>
            <td class="num">{s.fundingAmount === null ? '—' : fmt(s.fundingAmount, props.native)}</td>
            <td class="mono">{s.sweepTxHash ?? '—'}</td>
            <td>{s.lastError ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const depositsPage: ConsolePage = { path: '/deposits', title: 'Deposits and collection', roles: OPERATOR_ROLES, routes };
