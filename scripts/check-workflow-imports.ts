/**
 * Workflow code must stay deterministic: it may import domain/, other workflows, @temporalio/workflow and
 * @temporalio/common, and activity *types* only. This check fails the build on anything else in workflows/.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = new URL('../workflows/', import.meta.url).pathname;
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];
const ALLOWED_RELATIVE = [/^\.\.?\/[\w/-]+\.js$/];
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;

const problems: string[] = [];
for (const file of (await readdir(ROOT, { recursive: true })).filter((f) => f.endsWith('.ts'))) {
  const text = await readFile(join(ROOT, file), 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const [, , typeOnly, specifier] = match;
    if (typeOnly || !specifier) continue;
    const ok =
      ALLOWED_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`)) ||
      ALLOWED_RELATIVE.some((r) => r.test(specifier));
    if (!ok) problems.push(`workflows/${file}: imports '${specifier}' (only domain/, workflow-safe packages and activity types)`);
  }
}
if (problems.length > 0) {
  console.error(`Non-deterministic imports in workflows/:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('workflows/ imports are workflow-safe');
