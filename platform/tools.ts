/** Where the Temporal binaries installed by scripts/install-tools.sh live, unless the environment names others. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function firstExisting(candidates: Array<string | undefined>, what: string, variable: string): string {
  const found = candidates.find((c) => c !== undefined && existsSync(c));
  if (!found) throw new Error(`${what} not found: run scripts/install-tools.sh (make does) or set ${variable}`);
  return found;
}

export function temporalCliPath(env = process.env): string {
  return firstExisting(
    [env.TEMPORAL_CLI, `${root}.tools/pip/bin/temporal`, `${root}.tools/go/bin/temporal`],
    'The Temporal CLI',
    'TEMPORAL_CLI',
  );
}

export function temporalTestServerPath(env = process.env): string {
  return firstExisting(
    [env.TEMPORAL_TEST_SERVER, `${root}.tools/pip/bin/temporal-test-server`],
    'The Temporal time-skipping test server',
    'TEMPORAL_TEST_SERVER',
  );
}

export const projectRoot = root;
