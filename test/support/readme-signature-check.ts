/**
 * The merchant-side signature check README.md shows, run exactly as printed there (its code block, imported as a
 * module): tests that verify deliveries with it verify the documentation, not a copy that could drift from it.
 */
import { readFileSync } from 'node:fs';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const BLOCK = /Verifying `Sluice-Signature[\s\S]*?```js\n([\s\S]*?)```/.exec(README)?.[1];
if (!BLOCK) throw new Error("README.md no longer shows the Sluice-Signature check after 'Verifying `Sluice-Signature'");

type Verify = (header: string, rawBody: string, secret: string, toleranceSeconds?: number) => boolean;
const documented = (await import(/* @vite-ignore */ `data:text/javascript,${encodeURIComponent(BLOCK)}`)) as {
  verifySluiceSignature: Verify;
};

/** Whether `header` (Sluice-Signature) signs `rawBody` with `secret`, no older than `toleranceSeconds` (300). */
export const verifySluiceSignature: Verify = documented.verifySluiceSignature;
