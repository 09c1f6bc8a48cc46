/** Passwords are hashed with Argon2id (memory-hard), at OWASP's recommended cost: 19 MiB, 2 passes. */
import { hash, verify } from '@node-rs/argon2';

const COST = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// verified against when the email is unknown, so a login takes as long whether or not the account exists
const DECOY = hash('decoy password that matches nothing', COST);

export function hashPassword(password: string): Promise<string> {
  return hash(password, COST);
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    await verify(await DECOY, password);
    return false;
  }
  return verify(stored, password);
}
