/**
 * The console's operations pages in a real browser (Debian's chromium through playwright-core) against the real stack
 * (API, worker, EVM listener, anvil): the sign-in throttle it shares with the API's login, a held deposit credited
 * from the deposits page and swept by the sweeper, a bet event's result entered and its settlement followed by htmx,
 * and a user marked verified, disabled and enabled. Every page visited is checked for a title and labelled controls,
 * and for scripts or styles the CSP refused.
 */
import { Contract, Wallet, parseEther, parseUnits } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkAccessibility, launchBrowser } from '../support/browser.js';
import { deployUsdt, eventually, evmStackEnv, fundedWallet, setBalance, testProvider } from '../support/evm.js';
import { fund, startStack, type Stack } from '../support/stack.js';

const provider = testProvider(inject('evmRpcUrl'));
let usdt: Contract;
let stack: Stack;
let browser: Browser;
let page: Page;
let gasKeeper: { address: string; privateKey: string };
const refusedByCsp: string[] = [];

async function open(path: string): Promise<void> {
  await page.goto(`${stack.url}/ops${path}`);
  await checkAccessibility(page);
}

async function signIn(target: Page, who: { email: string; password: string }) {
  await target.goto(`${stack.url}/ops/sign-in`);
  await target.getByLabel('Email').fill(who.email);
  await target.getByLabel('Password').fill(who.password);
  const answered = target.waitForResponse((r) => r.url().endsWith('/ops/sign-in') && r.request().method() === 'POST');
  await target.getByRole('button', { name: 'Sign in' }).click();
  return (await answered).status();
}

beforeAll(async () => {
  const customer = await fundedWallet(provider, '100');
  const usdtAddress = await deployUsdt(provider, customer);
  usdt = new Contract(usdtAddress, ['function transfer(address to, uint256 value) returns (bool)'], customer);
  gasKeeper = Wallet.createRandom();
  await setBalance(provider, gasKeeper.address, parseEther('50'));
  [stack, browser] = await Promise.all([
    startStack({
      env: {
        ...evmStackEnv({ usdt: usdtAddress, gasKeeperKey: gasKeeper.privateKey, coldWallet: Wallet.createRandom().address }),
        // an account locks after its third failure: the throttle test does not race a one-second delay
        LOGIN_LOCKOUT_AFTER: '3',
      },
      evmListener: true,
    }),
    launchBrowser(),
  ]);
  page = await (await browser.newContext()).newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refusedByCsp.push(message.text());
  });
  expect(await signIn(page, stack.admin)).toBe(303);
  await page.waitForURL(/\/ops\/dashboard$/);
});
afterAll(async () => {
  expect(refusedByCsp).toEqual([]);
  await browser?.close();
  await stack?.stop();
  provider.destroy();
});

describe('the console: operations', () => {
  it("throttles repeated bad sign-ins with the API login's throttle", async () => {
    const user = await stack.api.signUp('console-throttled@example.com', 'the right password here');
    const other = await browser.newContext();
    const target = await other.newPage();
    const wrong = { email: user.email, password: 'a wrong password' };
    // the account locks after three failures: two here and one at the API's login share one count
    expect(await signIn(target, wrong)).toBe(401);
    expect(await signIn(target, wrong)).toBe(401);
    expect((await stack.api.post('/v1/auth/token', { email: user.email, password: 'a wrong password' })).status).toBe(401);
    expect(await signIn(target, wrong)).toBe(429);
    expect(await target.locator('[role=alert]').textContent()).toContain('locked out');
    await checkAccessibility(target);
    // while locked even the right password is refused, at the API too
    expect(await signIn(target, { email: user.email, password: 'the right password here' })).toBe(429);
    expect((await stack.api.post('/v1/auth/token', { email: user.email, password: 'the right password here' })).status).toBe(429);
    await other.close();
  });

  it(
    'credits a held deposit from the deposits page, recording the operator, and shows its sweep',
    { timeout: 180_000 },
    async () => {
      const admin = { token: stack.admin.token };
      await stack.api.put('/v1/ops/settings/deposits/USDT/default', { values: { fee_fixed: '1' } }, admin);
      const user = await stack.api.signUp('console-held@example.com');
      const limit = await stack.api.put(
        `/v1/ops/settings/deposits/USDT/user/${user.id}`,
        { values: { max_amount: '20' } },
        admin,
      );
      expect(limit.status).toBe(200);
      const address = (await stack.api.post('/v1/deposit/address', { currency: 'USDT' }, { token: user.token })).body.address;
      await (await usdt.getFunction('transfer')(address, parseUnits('25', 6))).wait();
      const held = await eventually('the big deposit held', async () =>
        ((await stack.api.get('/v1/deposits', { token: user.token })).body.data as Array<{ id: string; status: string }>).find(
          (d) => d.status === 'held',
        ),
      );

      await open('/deposits?status=held');
      const row = page.locator(`table.held tr[data-deposit="${held.id}"]`);
      expect(await row.locator('td').nth(1).textContent()).toBe('25.000000 USDT');
      expect(await row.locator('td').nth(2).textContent()).toBe('above maximum');
      const listed = page.locator(`table.deposits tr[data-deposit="${held.id}"] td`);
      expect(await listed.nth(3).textContent()).toBe('held (above maximum)');
      expect(Number(await listed.nth(4).textContent())).toBeGreaterThanOrEqual(1);
      // an EVM deposit links its chain's sweeper, and its own workflow (started only for conversions and drops)
      const links = listed.locator('a.temporal');
      expect(await links.nth(0).getAttribute('href')).toContain(encodeURIComponent('WorkflowId="sweeper:evm-'));
      expect(await links.nth(1).getAttribute('href')).toContain(encodeURIComponent('WorkflowId="deposit:evm-'));
      // the confirmation box is required
      await row.getByRole('button', { name: 'Credit' }).click();
      expect(page.url()).not.toContain('done=');
      await row.getByLabel('Credit 25.000000 USDT to this user').check();
      await row.getByRole('button', { name: 'Credit' }).click();
      await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Credited');
      await checkAccessibility(page);

      const [stored] = await stack.db.sql`select status, credited_by, fee from deposits where id = ${held.id}`;
      expect(stored).toEqual({ status: 'credited', creditedBy: stack.admin.id, fee: 1_000_000n });
      const usdtBalance = (await stack.api.get('/v1/balances', { token: user.token })).body.data.find(
        (b: { currency: string }) => b.currency === 'USDT',
      );
      expect(usdtBalance.posted).toBe('24.000000');
      // the transactions page finds it by its block, and links its workflow
      const [observed] = await stack.db.sql`select block_number from evm_deposit_observations where deposit_id = ${held.id}`;
      await open('/transactions?kind=evm');
      await page.getByLabel('Block number').fill(String(observed!.blockNumber));
      await page.getByRole('button', { name: 'Filter' }).click();
      await checkAccessibility(page);
      const found = page.locator('table tbody tr');
      expect(await found.count()).toBe(1);
      expect(await found.locator('td').nth(5).textContent()).toBe('credited');
      const foundLinks = found.locator('a.temporal');
      expect(decodeURIComponent((await foundLinks.nth(0).getAttribute('href'))!)).toContain('WorkflowId="sweeper:evm-');
      expect(decodeURIComponent((await foundLinks.nth(1).getAttribute('href'))!)).toContain('WorkflowId="deposit:evm-');
      await open('/deposits');
      // crediting it again is refused: it is not held any more
      const csrf = await page.locator('input[name=_csrf]').first().getAttribute('value');
      const again = await page.request.post(`${stack.url}/ops/deposits/${held.id}/credit`, {
        form: { _csrf: csrf!, confirm: 'yes' },
      });
      expect(again.status()).toBe(409);

      // the credit woke the chain's sweeper, whose sweep (funded by the gas keeper) the page lists
      await expect
        .poll(
          async () => {
            await page.reload();
            return page
              .locator(`table.sweeps tr:has(td:text-is("${address.toLowerCase()}")) td:nth-child(3)`)
              .first()
              .textContent({
                timeout: 1_000,
              })
              .catch(() => null);
          },
          { timeout: 90_000, interval: 1_000 },
        )
        .toBe('confirmed');
      expect(await page.locator('dl.gas-keeper').textContent()).toContain('Balance');
      await checkAccessibility(page);
    },
  );

  it('sets a bet event’s result and follows its settlement without reloading', { timeout: 120_000 }, async () => {
    const lines = await stack.api.signUp('console-lines@example.com');
    await stack.api.put(`/v1/ops/users/${lines.id}/role`, { role: 'line_provider' }, { token: stack.admin.token });
    const bettor = await stack.api.signUp('console-bettor@example.com');
    await fund(stack, bettor.id, 'USD', '50.00');
    const event = await stack.api.post('/v1/events', { coefficient: '1.85', title: 'Console derby' }, { token: lines.token });
    expect(event.status).toBe(201);
    const bet = await stack.api.post(
      '/v1/bets',
      { event_id: event.body.id, amount: '10.00', currency: 'USD' },
      { token: bettor.token, headers: { 'idempotency-key': 'console-bet-1' } },
    );
    expect(bet.status).toBe(201);

    await open('/betting');
    await page.getByRole('link', { name: 'Console derby' }).click();
    await checkAccessibility(page);
    expect(await page.locator('table.bets tbody tr td').nth(2).textContent()).toBe('10.00 USD');
    expect(await page.locator('#settlement').getAttribute('data-phase')).toBe('open');
    await page.getByLabel('Result', { exact: true }).selectOption('finished_win');
    await page.getByLabel(/Set the result of Console derby/).check();
    await page.getByRole('button', { name: 'Set result' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Result set');
    const settledAt = page.url();
    // htmx swaps the settlement section in until it is settled: no reload here
    await expect.poll(() => page.locator('#settlement').getAttribute('data-phase'), { timeout: 60_000 }).toBe('settled');
    expect(page.url()).toBe(settledAt);
    expect(await page.locator('#settlement tr[data-currency=USD] td').allTextContents()).toEqual([
      'USD',
      '10.00 USD',
      '18.50 USD',
    ]);
    await page.reload();
    expect(await page.locator('table.bets tbody tr td').nth(4).textContent()).toBe('won');
    const [stored] = await stack.db.sql`select state, result_set_by from bet_events where id = ${event.body.id}`;
    expect(stored).toEqual({ state: 'finished_win', resultSetBy: stack.admin.id });
  });

  it('marks a user verified, disables and enables them', async () => {
    const user = await stack.api.signUp('console-kyc@example.com');
    await open(`/users/${user.id}`);
    await page.getByLabel(/Mark the email of .* verified/).check();
    await page.getByRole('button', { name: 'Mark email verified' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Email verification saved');
    await page.getByLabel('Identity verification', { exact: true }).selectOption('verified');
    await page.getByLabel('Verification level').fill('2');
    await page.getByLabel(/Override the identity verification/).check();
    await page.getByRole('button', { name: 'Save verification' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Identity verification saved');
    await checkAccessibility(page);
    const [stored] = await stack.db.sql`
      select email_verified_at is not null as email, verification_status, verification_level from users where id = ${user.id}`;
    expect(stored).toEqual({ email: true, verificationStatus: 'verified', verificationLevel: 2 });
    // a level that is not plain digits is refused (z.coerce.number() read an empty one as level 0, "0x10" as 16)
    const csrf = await page.locator('input[name=_csrf]').first().getAttribute('value');
    for (const level of ['', ' 3', '0x10', '1e1', '100']) {
      const refused = await page.request.post(`${stack.url}/ops/users/${user.id}/verification`, {
        form: { _csrf: csrf!, confirm: 'yes', status: 'verified', level },
      });
      expect([level, refused.status()]).toEqual([level, 400]);
    }
    const [kept] = await stack.db.sql`select verification_level from users where id = ${user.id}`;
    expect(kept).toEqual({ verificationLevel: 2 });

    await page.getByLabel(/Disable console-kyc@example.com/).check();
    await page.getByRole('button', { name: 'Disable user' }).click();
    await expect.poll(() => page.locator('.user-state').textContent()).toBe('disabled');
    expect((await stack.api.get('/v1/balances', { token: user.token })).status).toBe(401);
    await page.getByLabel(/Enable console-kyc@example.com again/).check();
    await page.getByRole('button', { name: 'Enable user' }).click();
    await expect.poll(() => page.locator('.user-state').textContent()).toBe('active');
    expect((await stack.api.get('/v1/balances', { token: user.token })).status).toBe(200);
  });

  it("sets a currency's withdrawal settings in a form, and names the field it refuses", async () => {
    await open('/settings');
    await page.getByLabel('Operation').selectOption('withdrawals');
    await page.getByLabel('Currency or pair').fill('usdt');
    await page.getByRole('button', { name: 'Edit settings' }).click();
    await checkAccessibility(page);
    expect(await page.locator('h1').textContent()).toBe('Settings: withdrawals of USDT');
    await page.getByLabel(/^min amount/).fill('5');
    await page.getByLabel(/^daily limit/).fill('');
    await page.getByLabel(/^monthly limit/).fill('1000');
    await page.getByLabel(/^fee percent/).fill('0.5');
    await page.getByLabel(/^confirmations/).fill('3');
    await page.getByLabel(/Save the withdrawals settings of USDT/).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Settings saved');
    expect(await page.getByLabel(/^min amount/).inputValue()).toBe('5.000000');
    const effective = await stack.api.get('/v1/ops/settings/withdrawals/USDT/effective', { token: stack.admin.token });
    expect(effective.body.values).toMatchObject({
      min_amount: '5.000000',
      daily_limit: null,
      monthly_limit: '1000.000000',
      fee_percent: '0.5',
      confirmations: 3,
    });

    // a refusal comes back on the form, named by the form's field and shown beside its input, with what was typed:
    // an amount that does not read (refused as it is read) and a percent the settings refuse (refused when saved)
    const refusedBeside = async (label: RegExp, text: string, field: string, message: string) => {
      const input = page.getByLabel(label);
      await input.fill(text);
      await page.getByLabel(/Save the withdrawals settings of USDT/).check();
      const refused = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Save settings' }).click();
      expect((await refused).status()).toBe(400);
      await checkAccessibility(page);
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator(`#${await input.getAttribute('aria-describedby')}`).textContent()).toContain(message);
      expect(await page.locator('[role=alert]').textContent()).toContain(`${field} ${message}`);
      expect(await page.locator('main').textContent()).not.toContain('values.');
      expect(await input.inputValue()).toBe(text);
      await input.fill('0');
    };
    await refusedBeside(/^fee fixed/, 'five', 'fee_fixed', 'must be a decimal string');
    await refusedBeside(/^fee percent/, 'lots', 'fee_percent', 'must be a percentage');
    const unchanged = await stack.api.get('/v1/ops/settings/withdrawals/USDT/effective', { token: stack.admin.token });
    expect(unchanged.body.values).toMatchObject({ fee_percent: '0.5' });

    // a pair switched off and on again, as PATCH /v1/ops/pairs/{pair} does
    await open('/settings');
    const pair = page.locator('tr[data-pair="USD-UAH"]');
    expect(await pair.locator('.pair-state').textContent()).toBe('enabled');
    await pair.getByLabel('Disable USD-UAH').check();
    await pair.getByRole('button', { name: 'Disable pair' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Pair saved');
    expect(await pair.locator('.pair-state').textContent()).toBe('disabled');
    const [stored] = await stack.db.sql`select enabled from pairs where code = 'USD-UAH'`;
    expect(stored!.enabled).toBe(false);
    await pair.getByLabel('Enable USD-UAH').check();
    await pair.getByRole('button', { name: 'Enable pair' }).click();
    await expect.poll(() => pair.locator('.pair-state').textContent()).toBe('enabled');
  });

  it('halts and resumes a market through its workflow, recording the operator', async () => {
    await open('/markets');
    const row = page.locator('tr[data-pair="XRP-USDT"]');
    await expect.poll(() => row.locator('.market-state').textContent()).toBe('open');
    // a reason refused comes back as typed, said beside the field (the bare refusal page lost it)
    await row.getByLabel('Why halt XRP-USDT').fill('no');
    await row.getByLabel(/Halt XRP-USDT: refuse new orders/).check();
    await row.getByRole('button', { name: 'Halt' }).click();
    await page.getByRole('alert').waitFor();
    expect(await row.getByLabel('Why halt XRP-USDT').inputValue({ timeout: 2_000 })).toBe('no');
    expect(await page.getByRole('alert').textContent()).toBe('Not done: some fields need correcting');
    await checkAccessibility(page);
    expect(await row.locator('#field-reason-XRP-USDT-error').textContent()).toBe(
      'Too small: expected string to have >=3 characters',
    );
    expect(await row.locator('.market-state').textContent()).toBe('open');
    await row.getByLabel('Why halt XRP-USDT').fill('maintenance window');
    await row.getByLabel(/Halt XRP-USDT: refuse new orders/).check();
    await row.getByRole('button', { name: 'Halt' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Market halted');
    await checkAccessibility(page);
    expect(await row.locator('.market-state').textContent()).toBe(`halted by ${stack.admin.id}: maintenance window`);
    const state = async () =>
      (await stack.api.get('/v1/ops/markets/XRP-USDT/workflow', { token: stack.admin.token })).body.halted;
    expect(await state()).toEqual({ reason: 'maintenance window', by: stack.admin.id });
    await row.getByLabel('Resume trading on XRP-USDT').check();
    await row.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Market resumed');
    expect(await state()).toBeNull();
  });

  it('lists webhook deliveries by status and refuses an unknown one, naming the field', async () => {
    await open('/webhooks');
    expect(await page.locator('h1').textContent()).toBe('Webhooks');
    expect(await page.getByLabel('Status').inputValue()).toBe('failed');
    const refused = await page.goto(`${stack.url}/ops/webhooks?status=lost`);
    expect(refused!.status()).toBe(400);
    expect(await page.locator('main').textContent()).toContain('status');
    await checkAccessibility(page);
  });

  it(
    "shows a token deposit's funding request waiting in the gas keeper's queue, in the chain's native currency",
    { timeout: 180_000 },
    async () => {
      // a keeper too poor to pay for the sweep's gas: the sweep's request waits in its queue
      await setBalance(provider, gasKeeper.address, parseEther('0.00001'));
      const user = await stack.api.signUp('console-dry@example.com');
      const address = (
        await stack.api.post('/v1/deposit/address', { currency: 'USDT' }, { token: user.token })
      ).body.address.toLowerCase();
      await (await usdt.getFunction('transfer')(address, parseUnits('30', 6))).wait();
      const queued = page.locator(`table.funding-requests tbody tr:has(td:text-is("${address}"))`);
      await expect
        .poll(
          async () => {
            await open('/deposits');
            return queued.count();
          },
          { timeout: 120_000, interval: 1_000 },
        )
        .toBe(1);
      expect(await queued.locator('td').nth(2).textContent()).toMatch(/^0\.\d{18} ETH$/);
      expect(await page.locator('dl.gas-keeper').textContent()).toContain('low: fund it');
      await open('/dashboard');
      expect(await page.locator('main').textContent()).toMatch(
        /balance 0\.000010000000000000 ETH — LOW, fund it; 1 funding requests queued/,
      );

      // topped up, the keeper sends it and the queue empties
      await setBalance(provider, gasKeeper.address, parseEther('50'));
      await expect
        .poll(
          async () => {
            await open('/deposits');
            return queued.count();
          },
          { timeout: 60_000, interval: 1_000 },
        )
        .toBe(0);
    },
  );

  it('serves htmx and the stylesheet under hashed paths, cached for good', async () => {
    await open('/dashboard');
    const script = await page.locator('script[src]').getAttribute('src');
    expect(script).toMatch(/^\/ops\/assets\/htmx-[0-9a-f]{16}\.js$/);
    const served = await page.request.get(`${stack.url}${script}`);
    expect(served.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(await served.text()).toContain('htmx');
  });
});
