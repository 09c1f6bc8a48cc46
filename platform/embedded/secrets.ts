/**
 * Secrets the dev stack generates on its first start and keeps in DATA_DIR/secrets.json (mode 600), so data
 * written under them (sealed TOTP seeds, API keys, the database) stays readable across restarts.
 */
import { randomBytes } from 'node:crypto';
import { Wallet } from 'ethers';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DevSecrets {
  secretKey: string;
  postgresPassword: string;
  /** The HD seed of EVM deposit addresses: users' addresses stay theirs across restarts. */
  evmDepositMnemonic: string;
}

export async function loadOrCreateDevSecrets(dataDir: string): Promise<DevSecrets> {
  const path = join(dataDir, 'secrets.json');
  const existing: Partial<DevSecrets> = existsSync(path) ? JSON.parse(await readFile(path, 'utf8')) : {};
  const secrets: DevSecrets = {
    secretKey: existing.secretKey ?? randomBytes(32).toString('hex'),
    postgresPassword: existing.postgresPassword ?? randomBytes(16).toString('hex'),
    evmDepositMnemonic: existing.evmDepositMnemonic ?? Wallet.createRandom().mnemonic!.phrase,
  };
  if (JSON.stringify(existing) !== JSON.stringify(secrets)) {
    await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
