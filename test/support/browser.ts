/**
 * A real browser for the console's tests: Debian's chromium driven by playwright-core (Playwright's own download does
 * not work here). A machine without it gets it from apt, as a fresh CI machine would. And the accessibility basics
 * every page must meet: a title, and a label for every form control.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Installs Debian's chromium when it is missing (needs root, as CI runs). Test files run in parallel, so two may
 * install at once on a fresh machine: the second waits for apt's lock (it failed at once without the timeout), then
 * finds it installed.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const apt = (...args: string[]) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    apt('install', '-y', 'chromium');
  } catch {
    if (existsSync(CHROMIUM)) return CHROMIUM;
    apt('update');
    apt('install', '-y', 'chromium');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is not there`);
  return CHROMIUM;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), args: ['--no-sandbox', '--disable-gpu'] });
}

/**
 * Fails when the page has no title or a form control without a label (a <label for>, a wrapping <label>, aria-label
 * or aria-labelledby); hidden inputs and buttons with text are not controls that need one.
 */
/** Runs in the page (a string: the test code is compiled without the DOM's types). */
const A11Y_PROBE = `(() => {
  const found = [];
  if (!document.title.trim()) found.push('the page has no title');
  for (const element of document.querySelectorAll('input, select, textarea')) {
    if (element.type === 'hidden' || element.type === 'submit') continue;
    const labelled = element.labels.length > 0 || element.getAttribute('aria-label') || element.getAttribute('aria-labelledby');
    if (!labelled) found.push('<' + element.tagName.toLowerCase() + ' name="' + element.name + '"> has no label');
  }
  return found;
})()`;

export async function checkAccessibility(page: Page): Promise<void> {
  const problems = (await page.evaluate(A11Y_PROBE)) as string[];
  if (problems.length > 0) throw new Error(`${page.url()}: ${problems.join('; ')}`);
}

/** Signs in to the console at `url` as `who` (`totp`: its current code, once 2FA is on) from the console's front page. */
export async function signInToConsole(
  page: Page,
  url: string,
  who: { email: string; password: string; totp?: string },
): Promise<void> {
  await page.goto(`${url}/ops/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  if (who.totp) await page.getByLabel(/Authenticator code/).fill(who.totp);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
