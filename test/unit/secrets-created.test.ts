/** The run-wide search for secrets in logs (test/support/secrets-created.ts) finds what it is given to find. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leakedSecrets, secretRecorder, secretsInEnv, secretsInJson } from '../support/secrets-created.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('secrets created by a run', () => {
  it('are the secret fields of requests and answers, at any depth', () => {
    expect(
      secretsInJson({ email: 'a@b.c', password: 'pw-1', data: [{ secret: 's-1', name: 'key' }], access_token: 'jwt' }),
    ).toEqual(['pw-1', 's-1', 'jwt']);
    expect(secretsInJson('text')).toEqual([]);
  });

  it('are the values of configuration named for a secret, each key of a list', () => {
    expect(
      secretsInEnv({
        SECRET_KEY: 'k1',
        ADMIN_PASSWORD: 'p1',
        EVM_HOT_WALLET_KEYS: 'hot-a=0xaa,hot-b=0xbb',
        EVM_DEPOSIT_MNEMONIC: 'word word',
        TELEGRAM_BOT_TOKEN: 't1',
        PORT: '8080',
      }),
    ).toEqual(['k1', 'p1', '0xaa', '0xbb', 'word word', 't1']);
  });

  it('are found in any log file under the data dir, and short values are not recorded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secrets-'));
    dirs.push(dir);
    const record = secretRecorder(dir);
    for (const secret of ['a jwt.that.leaks-1234', 'a seed that stays put', 'short']) record(secret);
    await mkdir(join(dir, 'stack-1'));
    await writeFile(join(dir, 'stack-1', 'api.log'), '{"msg":"signed in","token":"a jwt.that.leaks-1234"}\nshort\n');
    await writeFile(join(dir, 'stack-1', 'notes.txt'), 'a seed that stays put');
    expect(await leakedSecrets(dir)).toEqual({
      secrets: 2,
      files: 1,
      leaks: ['stack-1/api.log: a jw… (21 characters)'],
    });
  });
});
