/** Destination tags: each user's own number on the company's shared XRPL deposit address, allocated once. */
import { randomInt } from 'node:crypto';
import type { Db, Sql } from '../../platform/db/client.js';

// random, not sequential: a mistyped or guessed tag rarely belongs to someone else; never below a million, so a
// sender's forgotten tag (0, 1, 123) never credits a user
export const LOWEST_TAG = 1_000_000;
export const HIGHEST_TAG = 4_294_967_295;

/** The user's tag, allocated on first call; never one that earlier payments already used. */
export async function destinationTagOf(sql: Sql, userId: string): Promise<bigint> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const [existing] = await sql`select tag from xrpl_destination_tags where user_id = ${userId}`;
    if (existing) return BigInt(existing.tag as string);
    const candidate = randomInt(LOWEST_TAG, HIGHEST_TAG + 1);
    await sql`
      insert into xrpl_destination_tags (user_id, tag)
      select ${userId}, ${candidate}
      where not exists (select 1 from xrpl_payments where destination_tag = ${candidate})
        and not exists (select 1 from invoice_destinations where destination_tag = ${candidate})
      on conflict do nothing`;
  }
  throw new Error(`could not allocate a destination tag for user ${userId}`);
}

/** Which user owns each of these tags: a user's own, or an invoice's (its merchant; see invoiceTagOwners). */
export async function tagOwners(db: Db, tags: bigint[]): Promise<Map<bigint, string>> {
  if (tags.length === 0) return new Map();
  const rows = await db`
    select tag, user_id from xrpl_destination_tags where tag = any(${tags.map(String)}::bigint[])
    union all
    select destination_tag, merchant_id from invoice_destinations where destination_tag = any(${tags.map(String)}::bigint[])`;
  return new Map(rows.map((r) => [BigInt(r.tag as string), r.userId as string]));
}
