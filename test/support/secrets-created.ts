/**
 * Every secret an e2e run creates (passwords, TOTP seeds, API key and webhook secrets, JWTs, mnemonics, private keys),
 * collected in the run's data dir as the stacks' clients and configurations produce them, so that the e2e project's
 * teardown can grep every stack's captured logs for all of them at once (test/support/setup/e2e.ts).
 */
import { appendFileSync, existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const SECRETS_FILE = 'secrets-created.jsonl';
/** Shorter values (a 6-digit code, "true") would match by chance; no secret we create is that short. */
const MIN_LENGTH = 12;
/** JSON fields that carry a secret, in requests (passwords) and answers (seeds, API secrets, tokens). */
const SECRET_FIELDS = new Set(['password', 'new_password', 'current_password', 'secret', 'access_token', 'refresh_token']);
/** Configuration that carries a secret (a list of `name=value` pairs for the hot wallets' keys). */
const SECRET_VARIABLE = /SECRET|PASSWORD|MNEMONIC|PRIVATE_KEY|HOT_WALLET_KEYS|_TOKEN$/;

/** Records secrets under `dataDir`, once each per process. */
export function secretRecorder(dataDir: string): (secret: string) => void {
  const seen = new Set<string>();
  return (secret) => {
    if (secret.length < MIN_LENGTH || seen.has(secret)) return;
    seen.add(secret);
    appendFileSync(join(dataDir, SECRETS_FILE), `${JSON.stringify(secret)}\n`);
  };
}

/** The secret fields' values anywhere in a JSON value. */
export function secretsInJson(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretsInJson);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, field]) =>
    SECRET_FIELDS.has(key) && typeof field === 'string' ? [field] : secretsInJson(field),
  );
}

/** The secrets in a process's environment: each variable named for one, each key of a `name=key,…` list. */
export function secretsInEnv(env: Record<string, string | undefined>): string[] {
  return Object.entries(env).flatMap(([name, value]) =>
    SECRET_VARIABLE.test(name) && value ? value.split(',').map((entry) => entry.slice(entry.indexOf('=') + 1)) : [],
  );
}

/** Which recorded secrets appear in which log file under `dataDir` (every stack's directory, recursively). */
export async function leakedSecrets(dataDir: string): Promise<{ secrets: number; files: number; leaks: string[] }> {
  const file = join(dataDir, SECRETS_FILE);
  if (!existsSync(file)) return { secrets: 0, files: 0, leaks: [] };
  const secrets = [
    ...new Set(
      (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as string),
    ),
  ];
  const logs = (await readdir(dataDir, { recursive: true })).filter((path) => path.endsWith('.log'));
  const leaks: string[] = [];
  for (const log of logs) {
    const text = await readFile(join(dataDir, log), 'utf8').catch(() => '');
    for (const secret of secrets) {
      if (text.includes(secret)) leaks.push(`${log}: ${secret.slice(0, 4)}… (${secret.length} characters)`);
    }
  }
  return { secrets: secrets.length, files: logs.length, leaks };
}
