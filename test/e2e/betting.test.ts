/**
 * Betting on the real stack over HTTP: a line provider publishes events, three users bet, results settle every bet
 * through the events' workflows, and balances match a hand calculation with the ledger audit passing. Then the
 * refusals (every 4xx the betting routes give) and who may do what.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../platform/embedded/process.js';
import { betEventWorkflowId } from '../../workflows/betting/messages.js';
import { betSettlementProgressQuery } from '../../workflows/betting/messages.js';
import { fund, startStack, type Stack } from '../support/stack.js';
import { metricSamples } from '../support/metrics.js';

let stack: Stack;
let lines: { id: string; token: string };
let ann: { id: string; token: string };
let bob: { id: string; token: string };
let cat: { id: string; token: string };

async function lineProvider(email: string) {
  const provider = await stack.api.signUp(email);
  const promoted = await stack.api.put(
    `/v1/ops/users/${provider.id}/role`,
    { role: 'line_provider' },
    { token: stack.admin.token },
  );
  expect(promoted.status).toBe(200);
  return provider;
}

beforeAll(async () => {
  stack = await startStack();
  lines = await lineProvider('lines@example.com');
  ann = await stack.api.signUp('ann@example.com');
  bob = await stack.api.signUp('bob@example.com');
  cat = await stack.api.signUp('cat@example.com');
  for (const user of [ann, bob, cat]) await fund(stack, user.id, 'USD', '100.00');
});
afterAll(() => stack?.stop());

let keys = 0;
const placeBet = (user: { token: string }, body: Record<string, unknown>, key = `bet-${++keys}`) =>
  stack.api.post('/v1/bets', body, { token: user.token, headers: { 'idempotency-key': key } });
const publish = (body: Record<string, unknown>, token = lines.token) => stack.api.post('/v1/events', body, { token });
const setResult = (id: string, body: Record<string, unknown>, token = lines.token) =>
  stack.api.request('PATCH', `/v1/events/${id}`, body, { token });
const usd = async (user: { token: string }) =>
  (await stack.api.get('/v1/balances', { token: user.token })).body.data.find((b: { currency: string }) => b.currency === 'USD');

async function settled(eventId: string) {
  let view: any;
  await waitUntil(
    `event ${eventId} settled`,
    async () => {
      view = (await stack.api.get(`/v1/ops/events/${eventId}/settlement`, { token: stack.admin.token })).body;
      if (view.phase !== 'settled') throw new Error(`phase ${view.phase}`);
    },
    { timeoutMs: 60_000 },
  );
  return view;
}

describe('betting end to end', () => {
  const events: Record<'win' | 'lose' | 'cancel', string> = { win: '', lose: '', cancel: '' };

  it('settles two events and a cancellation, and every balance matches the hand calculation', async () => {
    const win = await publish({ coefficient: '1.85', title: 'Derby: home wins' });
    expect(win.status).toBe(201);
    expect(win.body).toMatchObject({ coefficient: '1.85', state: 'new', accepting_bets: true, title: 'Derby: home wins' });
    expect(Math.abs(win.body.deadline - (Math.floor(Date.now() / 1000) + 5000))).toBeLessThan(30);
    const lose = await publish({ coefficient: '2.4', deadline: Math.floor(Date.now() / 1000) + 3600 });
    const cancel = await publish({ coefficient: '3.10' });
    Object.assign(events, { win: win.body.id, lose: lose.body.id, cancel: cancel.body.id });

    const bets = [
      await placeBet(ann, { event_id: events.win, amount: '10', currency: 'USD' }),
      await placeBet(bob, { event_id: Number(events.win), amount: '20.00', currency: 'USD' }),
      await placeBet(ann, { event_id: events.lose, amount: '7.50', currency: 'USD' }),
      await placeBet(cat, { event_id: events.lose, amount: '12.34', currency: 'USD' }),
      await placeBet(bob, { event_id: events.cancel, amount: '15.00', currency: 'USD' }),
      await placeBet(cat, { event_id: events.cancel, amount: '0.01', currency: 'USD' }),
    ];
    expect(bets.map((b) => b.status)).toEqual([201, 201, 201, 201, 201, 201]);
    // placed one after another, each in a group-commit batch of its own, which /metrics counts with its phases' times
    const metrics = metricSamples((await stack.api.get('/metrics')).body as string);
    expect(metrics.get('sluice_bet_batch_size_count')).toBeGreaterThanOrEqual(6);
    for (const phase of ['reads', 'deciding', 'writes'])
      expect(metrics.get(`sluice_bet_batch_phase_seconds_count{phase="${phase}"}`)).toBe(
        metrics.get('sluice_bet_batch_size_count'),
      );
    expect(metrics.get('sluice_bet_batch_phase_seconds_sum{phase="writes"}')).toBeGreaterThan(0);
    expect(bets[0]!.body).toMatchObject({
      amount: '10.00',
      coefficient: '1.85',
      status: 'pending',
      potential_payout: '18.50',
      payout: null,
    });

    // the coefficient changes while betting is open; earlier bets keep theirs
    const raised = await setResult(events.win, { coefficient: '2.00' });
    expect(raised.status).toBe(200);
    expect(raised.body.coefficient).toBe('2.00');
    const late = await placeBet(cat, { event_id: events.win, amount: '5.00', currency: 'USD' });
    expect(late.body).toMatchObject({ coefficient: '2.00', potential_payout: '10.00' });

    expect(await usd(ann)).toEqual({ currency: 'USD', posted: '100.00', pending: '17.50', available: '82.50' });

    for (const [id, state] of [
      [events.win, 'finished_win'],
      [events.lose, 'finished_lose'],
      [events.cancel, 'cancelled'],
    ] as const) {
      const response = await setResult(id, { state });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ state, accepting_bets: false });
    }
    const [wonView, lostView, cancelledView] = await Promise.all([
      settled(events.win),
      settled(events.lose),
      settled(events.cancel),
    ]);
    expect(wonView).toMatchObject({
      outcome: 'finished_win',
      bets: { total: 3, pending: 0, won: 3, lost: 0, refunded: 0 },
      currencies: [{ currency: 'USD', staked: '35.00', paid_out: '65.50' }],
      source: 'workflow',
    });
    expect(lostView).toMatchObject({ bets: { total: 2, lost: 2 }, currencies: [{ staked: '19.84', paid_out: '0.00' }] });
    expect(cancelledView).toMatchObject({
      bets: { total: 2, refunded: 2 },
      currencies: [{ staked: '15.01', paid_out: '15.01' }],
    });
    const queried = await stack.temporal.workflow.getHandle(betEventWorkflowId(events.win)).query(betSettlementProgressQuery);
    expect(queried).toMatchObject({
      phase: 'settled',
      outcome: 'finished_win',
      pages: wonView.pages,
      settledAt: wonView.settled_at,
      tally: { ...wonView.bets },
    });

    // ann: 100 − 10 + 18.50 − 7.50; bob: 100 − 20 + 37.00 − 15 + 15; cat: 100 − 5 + 10.00 − 12.34 − 0.01 + 0.01
    expect(await usd(ann)).toEqual({ currency: 'USD', posted: '101.00', pending: '0.00', available: '101.00' });
    expect(await usd(bob)).toEqual({ currency: 'USD', posted: '117.00', pending: '0.00', available: '117.00' });
    expect(await usd(cat)).toEqual({ currency: 'USD', posted: '92.66', pending: '0.00', available: '92.66' });

    const audit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ ok: true, drifts: [] });
    expect(audit.body.currencies.find((c: { currency: string }) => c.currency === 'USD')).toMatchObject({
      posted_sum: '0',
      pending_debits: '0',
      balanced: true,
    });
  });

  it('shows each user their bets, settled, with cursor pages and filters, and notifies them', async () => {
    const all = await stack.api.get('/v1/bets?limit=2', { token: cat.token });
    expect(all.body.data.map((b: { amount: string; status: string }) => [b.amount, b.status])).toEqual([
      ['5.00', 'won'],
      ['0.01', 'refunded'],
    ]);
    const rest = await stack.api.get(`/v1/bets?limit=2&cursor=${all.body.next_cursor}`, { token: cat.token });
    expect(rest.body.data.map((b: { amount: string; status: string }) => [b.amount, b.status])).toEqual([['12.34', 'lost']]);
    expect(rest.body.next_cursor).toBeNull();
    const lost = await stack.api.get(`/v1/bets?status=lost&event_id=${events.lose}`, { token: cat.token });
    expect(lost.body.data).toEqual([
      expect.objectContaining({ amount: '12.34', status: 'lost', payout: '0.00', event_id: events.lose }),
    ]);

    const won = (await stack.api.get('/v1/bets?status=won', { token: bob.token })).body.data[0];
    expect(won).toMatchObject({ amount: '20.00', coefficient: '1.85', payout: '37.00', settled_at: expect.any(String) });
    expect((await stack.api.get(`/v1/bets/${won.id}`, { token: bob.token })).body).toEqual(won);
    expect((await stack.api.get(`/v1/bets/${won.id}`, { token: ann.token })).status).toBe(404);
    expect((await stack.api.get(`/v1/bets/${won.id}`, { token: stack.admin.token })).status).toBe(200);

    const notices = await stack.api.get('/v1/notifications?kind=bet_settled', { token: ann.token });
    const titles = notices.body.data.map((n: { title: string }) => n.title);
    expect(titles).toHaveLength(2);
    expect(titles).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Your bet #\d+ lost$/),
        expect.stringMatching(/^Your bet #\d+ won 18\.50 USD$/),
      ]),
    );
    const alerts = await stack.api.get('/v1/ops/alerts?kind=bet_event_settled', { token: stack.admin.token });
    expect(alerts.body.data).toHaveLength(3);
    // the tally's amounts as people read them, in the currency's scale
    const lostEvent = alerts.body.data.find(
      (a: { body: { event_id: string } }) => String(a.body.event_id) === String(events.lose),
    );
    expect(lostEvent.body.tally.currencies).toEqual([{ currency: 'USD', staked: '19.84', paidOut: '0.00' }]);
  });

  it('lists and reads events, and lets operators find settled events in Temporal by search attributes', async () => {
    const finished = await stack.api.get('/v1/events?state=finished_win', { token: ann.token });
    expect(finished.body.data).toEqual([
      expect.objectContaining({ id: events.win, coefficient: '2.00', settled_at: expect.any(String) }),
    ]);
    expect((await stack.api.get(`/v1/events/${events.lose}`, { token: ann.token })).body).toMatchObject({
      state: 'finished_lose',
      coefficient: '2.40',
    });
    await waitUntil(
      'visibility of settled bet events',
      async () => {
        const { count } = await stack.temporal.workflow.count('SluiceKind = "bet-event" AND SluiceStatus = "settled"');
        if (count !== 3) throw new Error(`${count} settled`);
      },
      { timeoutMs: 30_000 },
    );
  });

  it('closes betting at the deadline: placement refuses, the workflow closes the book', async () => {
    const soon = await publish({ coefficient: '1.50', deadline: Math.floor(Date.now() / 1000) + 2 });
    expect(soon.status).toBe(201);
    expect((await placeBet(ann, { event_id: soon.body.id, amount: '1.00', currency: 'USD' })).status).toBe(201);
    await sleep(2_500);
    const refused = await placeBet(ann, { event_id: soon.body.id, amount: '1.00', currency: 'USD' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'event_closed', errors: [{ path: 'event_id' }] });
    await waitUntil(
      'the book closed by the workflow',
      async () => {
        const view = (await stack.api.get(`/v1/ops/events/${soon.body.id}/settlement`, { token: stack.admin.token })).body;
        if (view.phase !== 'closed') throw new Error(`phase ${view.phase}`);
      },
      { timeoutMs: 30_000 },
    );
    expect((await stack.api.get(`/v1/events/${soon.body.id}`, { token: ann.token })).body.accepting_bets).toBe(false);
    expect((await setResult(soon.body.id, { coefficient: '1.60' })).body).toMatchObject({
      code: 'event_closed',
      errors: [{ path: 'coefficient' }],
    });
    expect((await setResult(soon.body.id, { state: 'cancelled' })).status).toBe(200);
    expect((await settled(soon.body.id)).bets).toMatchObject({ refunded: 1 });
  });

  it('refuses bad bets with a problem naming the field', async () => {
    const open = (await publish({ coefficient: '1.90' })).body.id as string;
    const cases: Array<[Record<string, unknown>, number, string, string?]> = [
      [{ event_id: open, amount: '0', currency: 'USD' }, 400, 'validation_failed', 'amount'],
      [{ event_id: open, amount: '-1.00', currency: 'USD' }, 400, 'validation_failed', 'amount'],
      [{ event_id: open, amount: '1.001', currency: 'USD' }, 400, 'validation_failed', 'amount'],
      [{ event_id: open, amount: '1.001', currency: 'USDT' }, 400, 'validation_failed', 'amount'],
      [{ event_id: open, amount: '9'.repeat(40), currency: 'USD' }, 400, 'validation_failed', 'amount'],
      [{ event_id: open, amount: 5, currency: 'USD' }, 400, 'validation_failed', 'amount'],
      [{ event_id: 'abc', amount: '1.00', currency: 'USD' }, 400, 'validation_failed', 'event_id'],
      [{ event_id: open, amount: '1.00', currency: 'XXX' }, 400, 'unknown_currency', 'currency'],
      [{ event_id: '987654321', amount: '1.00', currency: 'USD' }, 404, 'not_found', 'event_id'],
      [{ event_id: events.win, amount: '1.00', currency: 'USD' }, 422, 'event_not_open', 'event_id'],
      [{ event_id: open, amount: '1000.00', currency: 'USD' }, 422, 'insufficient_funds', 'amount'],
    ];
    for (const [body, status, code, field] of cases) {
      const response = await placeBet(ann, body);
      expect({ body, status: response.status, code: response.body.code }).toEqual({ body, status, code });
      if (field) expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const noKey = await stack.api.post('/v1/bets', { event_id: open, amount: '1.00', currency: 'USD' }, { token: ann.token });
    expect(noKey.body.errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);

    const first = await placeBet(ann, { event_id: open, amount: '2.00', currency: 'USD' }, 'twice');
    const again = await placeBet(ann, { event_id: open, amount: '2.00', currency: 'USD' }, 'twice');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const other = await placeBet(ann, { event_id: open, amount: '3.00', currency: 'USD' }, 'twice');
    expect(other.body).toMatchObject({ status: 409, code: 'idempotency_conflict', detail: expect.stringContaining('"twice"') });
    expect(other.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.stringContaining('(amount differs)') }]);
    // a replay is answered even after the event closed
    await setResult(open, { state: 'finished_lose' });
    expect((await placeBet(ann, { event_id: open, amount: '2.00', currency: 'USD' }, 'twice')).body.id).toBe(first.body.id);
  });

  it('refuses bad events and changes to finished ones', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ coefficient: '1.00' }, 'coefficient'],
      [{ coefficient: '0' }, 'coefficient'],
      [{ coefficient: '1.855' }, 'coefficient'],
      [{ coefficient: 1.85 }, 'coefficient'],
      [{ coefficient: '1.85', deadline: now }, 'deadline'],
      [{ coefficient: '1.85', deadline: now - 10 }, 'deadline'],
      [{ coefficient: '1.85', deadline: (now + 100) * 1000 }, 'deadline'],
      [{ coefficient: '1.85', deadline: 'tomorrow' }, 'deadline'],
      [{}, 'coefficient'],
    ];
    for (const [body, field] of cases) {
      const response = await publish(body);
      expect({ body, status: response.status, field: response.body.errors?.[0]?.path }).toEqual({ body, status: 400, field });
    }
    expect((await setResult(events.win, { state: 'finished_lose' })).body).toMatchObject({ status: 409, code: 'event_final' });
    expect((await setResult(events.cancel, { state: 'new' })).status).toBe(409);
    expect((await setResult(events.win, { coefficient: '3.00' })).status).toBe(409);
    const settledRun = (await stack.temporal.workflow.getHandle(betEventWorkflowId(events.win)).describe()).runId;
    expect((await setResult(events.win, { state: 'finished_win' })).status).toBe(200); // a retried result…
    expect((await stack.temporal.workflow.getHandle(betEventWorkflowId(events.win)).describe()).runId).toBe(settledRun); // …settles nothing again
    expect((await setResult(events.win, { state: 'won' })).status).toBe(400);
    expect((await setResult(events.win, {})).status).toBe(400);
    expect((await setResult('987654321', { state: 'cancelled' })).status).toBe(404);

    const keyed = { token: lines.token, headers: { 'idempotency-key': 'derby-2026' } };
    const created = await stack.api.post('/v1/events', { coefficient: '1.70', title: 'Cup' }, keyed);
    const repeated = await stack.api.post('/v1/events', { coefficient: '1.70', title: 'Cup' }, keyed);
    expect(repeated.body.id).toBe(created.body.id);
    expect(repeated.headers.get('idempotent-replayed')).toBe('true');
    const changed = await stack.api.post('/v1/events', { coefficient: '1.71', title: 'Cup' }, keyed);
    expect(changed.body).toMatchObject({ status: 409, code: 'idempotency_conflict' });
    expect(changed.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.stringContaining('(coefficient differs)') }]);
  });

  it('settles what was decided while the worker was down once it is back, and shows the database meanwhile', async () => {
    const eventId = (await publish({ coefficient: '1.10' })).body.id as string;
    const stakes = ['1.00', '2.00', '3.00'];
    for (const [i, user] of [ann, bob, cat].entries())
      expect((await placeBet(user, { event_id: eventId, amount: stakes[i], currency: 'USD' })).status).toBe(201);
    const before = await Promise.all([ann, bob, cat].map(usd));
    await stack.killWorker();
    expect((await setResult(eventId, { state: 'finished_win' })).status).toBe(200);
    const meanwhile = await stack.api.get(`/v1/ops/events/${eventId}/settlement`, { token: stack.admin.token });
    expect(meanwhile.body).toMatchObject({
      source: 'database',
      phase: 'settling',
      outcome: 'finished_win',
      bets: { total: 3, pending: 3 },
    });
    await stack.startWorker();
    expect((await settled(eventId)).bets).toMatchObject({ won: 3, pending: 0 });
    // 1.00 pays 1.10, 2.00 pays 2.20, 3.00 pays 3.30: each posted balance gains a tenth of the stake
    const cents = (amount: string) => BigInt(amount.replace('.', ''));
    const after = await Promise.all([ann, bob, cat].map(usd));
    expect(after.map((b, i) => cents(b.posted) - cents(before[i].posted))).toEqual([10n, 20n, 30n]);
    expect((await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token })).body.ok).toBe(true);
  });

  it('lets only line providers and operators publish and settle, and only operators watch settlement', async () => {
    expect((await publish({ coefficient: '1.50' }, ann.token)).status).toBe(403);
    expect((await setResult(events.lose, { state: 'finished_lose' }, ann.token)).status).toBe(403);
    expect((await stack.api.get(`/v1/ops/events/${events.win}/settlement`, { token: lines.token })).status).toBe(403);
    expect((await stack.api.post('/v1/events', { coefficient: '1.50' })).status).toBe(401);
    expect((await stack.api.get('/v1/events')).status).toBe(401);
    expect((await stack.api.post('/v1/bets', {}, { headers: { 'idempotency-key': 'x' } })).status).toBe(401);
    expect((await publish({ coefficient: '1.50' }, stack.admin.token)).status).toBe(201);
    expect((await stack.api.get(`/v1/ops/events/987654321/settlement`, { token: stack.admin.token })).status).toBe(404);
  });

  it('refuses every bet by an operator or admin (they may settle any event), and by a line provider on its own event', async () => {
    const operator = await stack.api.signUp('operator-bettor@example.com');
    const promoted = await stack.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'operator' }, { token: stack.admin.token });
    expect(promoted.status).toBe(200);
    await fund(stack, operator.id, 'USD', '10.00');
    await fund(stack, stack.admin.id, 'USD', '10.00', operator.token);
    await fund(stack, lines.id, 'USD', '10.00');
    const open = (await publish({ coefficient: '1.90' })).body.id as string;
    for (const token of [operator.token, stack.admin.token]) {
      const refused = await placeBet({ token }, { event_id: open, amount: '1.00', currency: 'USD' });
      expect(refused.body).toMatchObject({ status: 403, code: 'forbidden', detail: expect.stringContaining('operators') });
      expect((await usd({ token })).available).toBe('10.00');
    }
    const own = await placeBet(lines, { event_id: open, amount: '1.00', currency: 'USD' });
    expect(own.body).toMatchObject({ status: 403, code: 'forbidden', errors: [{ path: 'event_id' }] });
    expect((await placeBet(ann, { event_id: open, amount: '1.00', currency: 'USD' })).status).toBe(201);
  });

  it("lets a line provider change only the events it published (another's is a 404), and operators any", async () => {
    const rival = await lineProvider('rival-lines@example.com');
    const ours = (await publish({ coefficient: '1.50' })).body.id as string;
    for (const change of [{ state: 'finished_win' }, { coefficient: '9.99' }, { state: 'cancelled', coefficient: '1.20' }])
      expect((await setResult(ours, change, rival.token)).body).toMatchObject({ status: 404, code: 'not_found' });
    expect((await stack.api.get(`/v1/events/${ours}`, { token: ann.token })).body).toMatchObject({
      state: 'new',
      coefficient: '1.50',
    });
    const theirs = (await publish({ coefficient: '1.50' }, rival.token)).body.id as string;
    expect((await setResult(theirs, { coefficient: '1.70' }, rival.token)).body.coefficient).toBe('1.70');
    expect((await setResult(theirs, { coefficient: '1.80' })).status).toBe(404);
    expect((await setResult(ours, { coefficient: '1.60' }, stack.admin.token)).body.coefficient).toBe('1.60');
    expect((await setResult(theirs, { state: 'cancelled' }, stack.admin.token)).body.state).toBe('cancelled');
    expect((await setResult(ours, { state: 'cancelled' })).body.state).toBe('cancelled');
  });

  it('describes every betting route in the OpenAPI document', async () => {
    const spec = await stack.api.get('/openapi.json');
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/v1/events', '/v1/events/{id}', '/v1/bets', '/v1/bets/{id}', '/v1/ops/events/{id}/settlement']),
    );
    expect(Object.keys(spec.body.paths['/v1/events/{id}'])).toEqual(expect.arrayContaining(['get', 'patch']));
  });
});
