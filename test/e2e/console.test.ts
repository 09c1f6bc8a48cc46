/**
 * The operator console in a real browser (Debian's chromium through playwright-core) against the real stack: API,
 * worker, EVM and XRPL listeners, anvil, the rippled double and the SMTP sink. One stack and one browser for the file.
 * Every page visited is checked for a title and labelled form controls.
 */
import { mkdir } from 'node:fs/promises';
import { Wallet, parseEther } from 'ethers';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkAccessibility, launchBrowser, signInToConsole } from '../support/browser.js';
import { Authenticator } from '../support/authenticator.js';
import { evmStackEnv, fundedWallet, deployUsdt, setBalance, testProvider } from '../support/evm.js';
import { ADDRESSES, randomAddress, xrpPayment, type LedgerTransaction } from '../support/rippled/payments.js';
import { fund, mailTo } from '../support/stack.js';
import { startXrplStack, type XrplStack } from '../support/xrpl-stack.js';
import { putWithdrawalSettings } from '../support/withdrawal-settings.js';

const provider = testProvider(inject('evmRpcUrl'));
const hotWallet = Wallet.createRandom();
const SCREENSHOTS = new URL('../../docs/', import.meta.url);
const SEEDED_DAY = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
const operator = { email: 'console-operator@example.com', password: 'operator password for tests' };
/** The operator's authenticator app, once two-factor is on. */
let authenticator: Authenticator;

let stack: XrplStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** Opens a console path, and fails the test if the page misses its title or a label. */
async function open(path: string): Promise<void> {
  await page.goto(`${stack.url}/ops${path}`);
  await checkAccessibility(page);
}

const signIn = (target: Page, who: { email: string; password: string; totp?: string }) => signInToConsole(target, stack.url, who);

beforeAll(async () => {
  browser = await launchBrowser();
  const owner = await fundedWallet(provider);
  const usdt = await deployUsdt(provider, owner);
  const gasKeeper = Wallet.createRandom();
  await Promise.all([
    setBalance(provider, hotWallet.address, parseEther('10')),
    setBalance(provider, gasKeeper.address, parseEther('10')),
  ]);
  stack = await startXrplStack({
    depositAddress: ADDRESSES.carol,
    mailSink: true,
    env: {
      ...evmStackEnv({ usdt, gasKeeperKey: gasKeeper.privateKey, coldWallet: Wallet.createRandom().address }),
      EVM_HOT_WALLET_KEYS: `evm-hot=${hotWallet.privateKey}`,
      TEMPORAL_UI_URL: 'http://temporal-ui.test:8233',
    },
  });
  await stack.startListener();
  stack.spawnListener();
  await putWithdrawalSettings(stack, 'ETH', { fee_fixed: '0.001', confirmations: 2 });

  // an operator with two-factor on
  const registered = await stack.api.signUp(operator.email, operator.password);
  expect(
    (await stack.api.put(`/v1/ops/users/${registered.id}/role`, { role: 'operator' }, { token: stack.admin.token })).status,
  ).toBe(200);
  const enrolled = await stack.api.post(
    '/v1/auth/totp/enroll',
    { current_password: operator.password },
    { token: registered.token },
  );
  authenticator = new Authenticator(new URL(enrolled.body.otpauth_url).searchParams.get('secret')!);
  const verified = await stack.api.post(
    '/v1/auth/totp/verify',
    { code: await authenticator.code(), current_password: operator.password },
    { token: registered.token },
  );
  expect(verified.body.totp_enabled).toBe(true);

  // a day of deposits to chart, stored before any dashboard is drawn (the dashboard keeps closed days once read)
  const seeded: Array<[string, bigint]> = [
    ['ETH', 1_500_000_000_000_000_000n],
    ['ETH', 2_250_000_000_000_000_000n],
    ['USDT', 12_345_678n],
  ];
  for (const [i, [currency, amount]] of seeded.entries()) {
    await stack.db.sql`
        insert into deposits (user_id, currency, amount, chain, tx_hash, event_index, event_key, address, status, workflow_id, detected_at, credited_at)
        values (${registered.id}, ${currency}, ${amount.toString()}, 'evm-seeded', ${`0xseeded${i}`}, 0, '0', '0xseeded', 'credited',
                ${`deposit:seeded:${i}`}, ${`${SEEDED_DAY}T10:00:00Z`}, ${`${SEEDED_DAY}T10:05:00Z`})`;
  }

  // and an invoice paid that day (invoices count on the dashboard by the day they were paid)
  await stack.db.sql`
    insert into invoices (merchant_id, currency, amount, accepted_currencies, fee_ppm, conversion_fee_ppm, status, expires_at,
                          monitoring_until, settled_value, updated_at, workflow_started)
    values (${registered.id}, 'USDT', 40000000, '{USDT}', 0, 0, 'settled', ${`${SEEDED_DAY}T09:00:00Z`},
            ${`${SEEDED_DAY}T09:00:00Z`}, 40000000, ${`${SEEDED_DAY}T09:30:00Z`}, true)`;

  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  if (process.env.UPDATE_SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the operator console', () => {
  it('signs an operator in with their authenticator code', async () => {
    await signIn(page, operator);
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('two-factor');
    await checkAccessibility(page);
    await signIn(page, { ...operator, totp: await authenticator.code() });
    await expect.poll(() => page.url()).toMatch(/\/ops\/dashboard$/);
    expect(await page.locator('header .who').textContent()).toContain(operator.email);
    const cookie = (await context.cookies()).find((c) => c.name === 'sluice_console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ops' });
    await checkAccessibility(page);
  });

  it('refuses a plain user, with the 403 page', async () => {
    const user = await stack.api.signUp('console-plain@example.com');
    const other = await browser.newContext();
    const plain = await other.newPage();
    await signIn(plain, { email: user.email, password: 'a long enough password' });
    expect(await plain.locator('h1').textContent()).toBe('Not allowed');
    await checkAccessibility(plain);
    const direct = await plain.goto(`${stack.url}/ops/withdrawals`);
    expect(direct!.url()).toContain('/ops/sign-in');
    await other.close();
  });

  it('approves a withdrawal, which is paid on anvil', async () => {
    const user = await stack.api.signUp('console-withdraw@example.com');
    await fund(stack, user.id, 'ETH', '2');
    const destination = Wallet.createRandom().address;
    const created = await stack.api.post(
      '/v1/withdrawals',
      { currency: 'ETH', amount: '0.5', address: destination },
      { token: user.token, headers: { 'idempotency-key': 'console-1' } },
    );
    expect(created.status).toBe(202);
    // the queue is open before the withdrawal joins it: htmx brings it in without a reload
    await open('/withdrawals?status=awaiting_approval');
    const queued = page.locator(`a[href="/ops/withdrawals/${created.body.id}"]`);
    expect(await queued.count()).toBe(0);
    const mail = await mailTo(stack, user.email, /withdrawal code/, created.body.id);
    const code = /\b(\d{6})\b/.exec(mail.subject)![1];
    await stack.api.post(`/v1/withdrawals/${created.body.id}/confirm`, { code }, { token: user.token });
    await expect
      .poll(async () => (await stack.api.get(`/v1/withdrawals/${created.body.id}`, { token: user.token })).body.status, {
        timeout: 30_000,
      })
      .toBe('awaiting_approval');
    await expect.poll(() => queued.count(), { timeout: 30_000 }).toBe(1);
    await checkAccessibility(page);
    const temporalLink = await page
      .getByRole('link', { name: /in the Temporal UI/ })
      .first()
      .getAttribute('href');
    expect(decodeURIComponent(temporalLink!)).toContain('SluiceKind="withdrawal" AND SluiceStatus="awaiting_approval"');
    await page.locator(`a[href="/ops/withdrawals/${created.body.id}"]`).click();
    await checkAccessibility(page);
    // the confirmation box is required: the browser will not submit without it
    await page.getByRole('button', { name: 'Approve' }).click();
    expect(page.url()).not.toContain('done=');
    await page.getByLabel(/Approve paying 0\.5/).check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Approved');

    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('dd strong').first().textContent();
        },
        { timeout: 90_000, interval: 1_000 },
      )
      .toBe('succeeded');
    expect(await provider.getBalance(destination)).toBe(parseEther('0.5'));
    const timeline = await page.locator('table tbody tr td:nth-child(2)').allTextContents();
    expect(timeline).toEqual(['awaiting confirmation', 'awaiting approval', 'queued', 'broadcast', 'succeeded']);
    const decided = await stack.db.sql`select decided_by from withdrawals where id = ${created.body.id}`;
    expect(decided[0]!.decidedBy).not.toBeNull();
    if (process.env.UPDATE_SCREENSHOTS)
      await page.screenshot({ path: new URL('console-withdrawal.png', SCREENSHOTS).pathname, fullPage: true });
  });

  it('adds an XRPL account and shows its backfilled payments, filtered by hash and exported', async () => {
    const { alice } = ADDRESSES;
    const history: LedgerTransaction[] = [];
    for (let ledger = 0; ledger < 3; ledger++) {
      const batch = Array.from({ length: 10 }, (_, i) =>
        xrpPayment({ from: randomAddress(), to: alice, drops: BigInt(1_000_000 * (ledger + 1) + i) }),
      );
      history.push(...batch);
      stack.rippled.closeLedger(batch);
    }
    await open('/xrpl-accounts');
    await page.getByLabel('Address to watch').fill(alice);
    await page.getByLabel('Label (optional)').fill('treasury');
    await page.getByRole('button', { name: 'Watch and backfill' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('backfilled');
    await checkAccessibility(page);
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('.backfill-state').textContent();
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe('done');
    await page.getByRole('link', { name: 'Transactions of this account' }).click();
    await checkAccessibility(page);
    const listed = await page.locator('table tbody tr td:first-child').allTextContents();
    expect(new Set(listed)).toEqual(new Set(history.map((t) => t.tx.hash as string)));

    const wanted = history[7]!.tx.hash as string;
    await open('/transactions');
    await page.getByLabel('Transaction hash').fill(wanted.toLowerCase());
    await page.getByRole('button', { name: 'Filter' }).click();
    await checkAccessibility(page);
    expect(await page.locator('table tbody tr td:first-child').allTextContents()).toEqual([wanted]);
    // a date range the payments are not in shows none
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await open(`/transactions?kind=xrpl&account=${alice}&from=${tomorrow}`);
    expect(await page.locator('table tbody tr').count()).toBe(0);
    await open(`/transactions?kind=xrpl&account=${alice}&deposit_status=matched`);
    expect(await page.locator('table tbody tr').count()).toBe(0);
    const csv = await page.request.get(`${stack.url}/ops/transactions/export.csv?kind=xrpl&account=${alice}`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(history.length + 1);
  });

  it("draws the dashboard's chart with a seeded day's totals", async () => {
    await open('/dashboard?days=7');
    const eth = page.locator('section.volume[data-currency=ETH]');
    expect(await eth.locator(`tr[data-day="${SEEDED_DAY}"] td`).allTextContents()).toEqual([
      SEEDED_DAY,
      '3.750000000000000000 ETH',
      ...Array(4).fill('0.000000000000000000 ETH'), // withdrawals, invoices, trades, swaps
    ]);
    expect(await eth.locator(`rect[data-day="${SEEDED_DAY}"][data-series=deposits] title`).textContent()).toBe(
      `${SEEDED_DAY} deposits: 3.750000000000000000 ETH`,
    );
    const today = new Date().toISOString().slice(0, 10);
    expect(await eth.locator(`rect[data-day="${today}"][data-series=withdrawals] title`).textContent()).toBe(
      `${today} withdrawals: 0.500000000000000000 ETH`,
    );
    const usdt = page.locator(`section.volume[data-currency=USDT] tr[data-day="${SEEDED_DAY}"] td`);
    expect(await usdt.nth(1).textContent()).toBe('12.345678 USDT');
    expect(await usdt.nth(3).textContent()).toBe('40.000000 USDT');
    if (process.env.UPDATE_SCREENSHOTS)
      await page.screenshot({ path: new URL('console-dashboard.png', SCREENSHOTS).pathname, fullPage: true });
  });

  it("finds a user, adjusts their balance with a reason, and keeps an operator from an admin's action", async () => {
    const user = await stack.api.signUp('console-adjust@example.com');
    await open('/users');
    await page.getByLabel('Email starts with').fill('console-adj');
    await page.getByRole('button', { name: 'Search' }).click();
    await checkAccessibility(page);
    await page.getByRole('link', { name: 'console-adjust@example.com' }).click();
    await checkAccessibility(page);
    await page.getByLabel('Currency').selectOption('USDT');
    await page.getByLabel('Amount (negative debits the user)').fill('25.5');
    await page.getByLabel('Reason (kept on record)').fill('goodwill for a late deposit');
    await page.getByLabel(/Adjust the balance of/).check();
    await page.getByRole('button', { name: 'Adjust balance' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('adjusted');
    expect(await page.locator('tr[data-currency=USDT] td').allTextContents()).toEqual([
      'USDT',
      '25.500000 USDT',
      '0.000000 USDT',
      '25.500000 USDT',
    ]);
    const balances = await stack.api.get('/v1/balances', { token: user.token });
    expect(balances.body.data.find((b: { currency: string }) => b.currency === 'USDT').posted).toBe('25.500000');
    const [entry] = await stack.db.sql`
      select metadata from ledger_transfers where key like 'adjustment:%:console:%' order by id desc limit 1`;
    expect(entry!.metadata).toMatchObject({ reason: 'goodwill for a late deposit', user_id: user.id });
    // an operator sees no role form, and a forged one is refused by the page's own role check
    expect(await page.getByRole('button', { name: 'Change role' }).count()).toBe(0);
    const csrf = await page.locator('input[name=_csrf]').first().getAttribute('value');
    const forged = await page.request.post(`${stack.url}/ops/users/${user.id}/role`, { form: { _csrf: csrf!, role: 'admin' } });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('admin role');
    // a reason PostgreSQL could not store (U+0000) is refused, naming the field, before anything is booked
    const adjust = { _csrf: csrf!, confirm: 'yes', key: crypto.randomUUID(), currency: 'USDT', amount: '1' };
    const nul = await page.request.post(`${stack.url}/ops/users/${user.id}/adjust`, {
      form: { ...adjust, reason: 'late\0deposit' },
    });
    expect(nul.status()).toBe(400);
    expect(await nul.text()).toContain('reason: must not contain the NUL character (U+0000)');
    expect((await stack.api.get('/v1/balances', { token: user.token })).body).toEqual(balances.body);
  });

  it('runs a ledger audit and shows its report', async () => {
    await open('/audits');
    await page.getByRole('button', { name: 'Run an audit now' }).click();
    await expect.poll(() => page.url()).toContain('/ops/audits/ledger-audit%3Amanual%3A');
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('.audit-state').textContent();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe('balanced, no drift');
    await checkAccessibility(page);
    await open('/audits');
    expect(await page.locator('table tbody tr td:nth-child(3)').first().textContent()).toBe('balanced, no drift');
  });

  it('switches a withdrawal provider off and on in the settings', async () => {
    await open('/settings');
    await page.getByRole('button', { name: 'Disable: evm-hot (ETH)' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('saved');
    await checkAccessibility(page);
    const providers = async () =>
      (await stack.api.get('/v1/ops/providers', { token: stack.admin.token })).body.data.find(
        (p: { currency: string }) => p.currency === 'ETH',
      ).providers;
    expect(await providers()).toEqual([{ id: 'evm-hot', enabled: false }]);
    await page.getByRole('button', { name: 'Enable: evm-hot (ETH)' }).click();
    await expect.poll(providers).toEqual([{ id: 'evm-hot', enabled: true }]);
  });

  it('refuses a POST without the CSRF token', async () => {
    const refused = await page.request.post(`${stack.url}/ops/withdrawals/${crypto.randomUUID()}/approve`, {
      form: { confirm: 'yes' },
    });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('security token');
    // signing out too: a forged sign-out keeps the session
    expect((await page.request.post(`${stack.url}/ops/sign-out`, { form: {} })).status()).toBe(403);
    await open('/dashboard');
    expect(page.url()).toMatch(/\/ops\/dashboard$/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.url()).toContain('/ops/sign-in');
  });
});
