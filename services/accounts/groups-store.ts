/** User groups and account types (kinds as data), and putting a user in a group or a type. */
import type { Db } from '../../platform/db/client.js';

export interface Named {
  id: string;
  name: string;
  createdAt: Date;
}

export async function listGroups(db: Db): Promise<Named[]> {
  return (await db`select id, name, created_at from user_groups order by id`) as unknown as Named[];
}

/** False when the id is taken. */
export async function insertGroup(db: Db, id: string, name: string): Promise<boolean> {
  return (await db`insert into user_groups (id, name) values (${id}, ${name}) on conflict do nothing returning 1`).length > 0;
}

export async function listAccountTypes(db: Db): Promise<Named[]> {
  return (await db`select code as id, name, created_at from account_types order by code`) as unknown as Named[];
}

/** False when the code is taken. */
export async function insertAccountType(db: Db, code: string, name: string): Promise<boolean> {
  return (
    (await db`insert into account_types (code, name) values (${code}, ${name}) on conflict do nothing returning 1`).length > 0
  );
}

export type AccountChange = { groupId?: string | null; accountType?: string };

/** Applies the change; 'no_user', 'no_group' or 'no_type' when something it names does not exist. */
export async function changeAccount(
  db: Db,
  userId: string,
  change: AccountChange,
): Promise<'ok' | 'no_user' | 'no_group' | 'no_type'> {
  if (change.groupId && (await db`select 1 from user_groups where id = ${change.groupId}`).length === 0) return 'no_group';
  if (change.accountType && (await db`select 1 from account_types where code = ${change.accountType}`).length === 0)
    return 'no_type';
  const rows = await db`
    update users set
      group_id = ${change.groupId === undefined ? db`group_id` : change.groupId},
      account_type = ${change.accountType === undefined ? db`account_type` : change.accountType}
    where id = ${userId} returning 1`;
  return rows.length > 0 ? 'ok' : 'no_user';
}
