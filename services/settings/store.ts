/** The settings layers of every operation (db/migrations/800_settings.sql): read per subject, saved and removed per scope. */
import type { SettingLayer, SettingScope, SettingValues } from '../../domain/settings/resolve.js';
import type { Db } from '../../platform/db/client.js';

export interface StoredLayer extends SettingLayer {
  updatedAt: Date;
  updatedBy: string | null;
}

const toLayer = (r: Record<string, unknown>): StoredLayer => ({
  scope: r.scope as SettingScope,
  scopeId: r.scopeId as string,
  values: r.fields as SettingValues,
  updatedAt: r.updatedAt as Date,
  updatedBy: (r.updatedBy as string | null) ?? null,
});

/** Every layer of (operation, subject): what the API's cache holds, and the operators' listing. */
export async function subjectLayers(db: Db, operation: string, subject: string): Promise<StoredLayer[]> {
  const rows = await db`
    select scope, scope_id, fields, updated_at, updated_by from operation_settings
    where operation = ${operation} and subject = ${subject}
    order by scope, scope_id`;
  return rows.map(toLayer);
}

/** The layers of (operation, subject) that may apply to one user, with their group and level read in the same query. */
export async function userLayers(db: Db, operation: string, subject: string, userId: string): Promise<StoredLayer[]> {
  const rows = await db`
    select s.scope, s.scope_id, s.fields, s.updated_at, s.updated_by
    from operation_settings s left join users u on u.id = ${userId}
    where s.operation = ${operation} and s.subject = ${subject}
      and (s.scope = 'default'
           or (s.scope = 'level' and s.scope_id = u.verification_level::text)
           or (s.scope = 'group' and s.scope_id = u.group_id)
           or (s.scope = 'user' and s.scope_id = ${userId}::text))`;
  return rows.map(toLayer);
}

export interface LayerKey {
  operation: string;
  subject: string;
  scope: SettingScope;
  scopeId: string;
}

/** Replaces the layer's fields (the fields given are all it sets from now on). */
export async function saveLayer(db: Db, key: LayerKey, values: SettingValues, updatedBy: string | null): Promise<void> {
  await db`
    insert into operation_settings (operation, subject, scope, scope_id, fields, updated_by)
    values (${key.operation}, ${key.subject}, ${key.scope}, ${key.scopeId}, ${db.json(values as never)}, ${updatedBy})
    on conflict (operation, subject, scope, scope_id) do update set
      fields = excluded.fields, updated_by = excluded.updated_by, updated_at = now()`;
}

/** Removes the layer: its fields come from the less specific layers again. False when there was none. */
export async function removeLayer(db: Db, key: LayerKey): Promise<boolean> {
  const rows = await db`
    delete from operation_settings
    where operation = ${key.operation} and subject = ${key.subject} and scope = ${key.scope} and scope_id = ${key.scopeId}
    returning 1`;
  return rows.length > 0;
}

/** Whether the group, user or level a layer would belong to exists (levels are 0–99). */
export async function holderExists(db: Db, scope: Exclude<SettingScope, 'default'>, scopeId: string): Promise<boolean> {
  switch (scope) {
    case 'level':
      return /^(0|[1-9]\d?)$/.test(scopeId);
    case 'group':
      return (await db`select 1 from user_groups where id = ${scopeId}`).length > 0;
    case 'user':
      return /^[0-9a-f-]{36}$/i.test(scopeId) && (await db`select 1 from users where id = ${scopeId}::uuid`).length > 0;
  }
}
