/** Operators' changes to settings layers: an override for a level, a group or a user, checked before it is stored. */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { invalidField, type OperationSettings } from '../../domain/settings/fields.js';
import type { SettingScope, SettingValues } from '../../domain/settings/resolve.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { SettingsResolver } from './resolver.js';
import { holderExists, removeLayer, saveLayer } from './store.js';

export type OverrideScope = Exclude<SettingScope, 'default'>;

export interface OverrideKey<T> {
  settings: OperationSettings<T>;
  subject: string;
  scope: OverrideScope;
  scopeId: string;
}

/** Stores the override (replacing the holder's earlier one); every field must be one of the operation's, of its kind. */
export async function saveOverride<T>(db: Db, key: OverrideKey<T>, values: SettingValues, updatedBy: string): Promise<void> {
  checkValues(key.settings, values);
  if (!(await holderExists(db, key.scope, key.scopeId))) {
    throw new DomainError(ErrorCode.NotFound, `no ${key.scope} ${key.scopeId}`, [
      { path: 'scope_id', message: 'does not exist' },
    ]);
  }
  await saveLayer(db, layerKey(key), values, updatedBy);
}

/** Replaces the subject's default layer with these fields (the others come from the built-in defaults). */
export async function saveDefault<T>(
  db: Db,
  settings: OperationSettings<T>,
  subject: string,
  values: SettingValues,
  updatedBy: string,
): Promise<void> {
  checkValues(settings, values);
  await saveLayer(db, { operation: settings.operation, subject, scope: 'default', scopeId: '' }, values, updatedBy);
}

/** An operator replaces a default layer (ops API and console): stored, this process's resolver told, logged. */
export async function saveDefaultLayer<T>(
  deps: { sql: Db; operationSettings: Pick<SettingsResolver, 'changed'>; log: Logger },
  operatorId: string,
  settings: OperationSettings<T>,
  subject: string,
  values: SettingValues,
): Promise<void> {
  await saveDefault(deps.sql, settings, subject, values, operatorId);
  deps.operationSettings.changed(settings.operation, subject);
  deps.log.info({ operator: operatorId, operation: settings.operation, subject }, 'settings default saved');
}

/** Refusals name the field itself: each edge names it where its input holds it (the JSON API under `values`). */
function checkValues<T>(settings: OperationSettings<T>, values: SettingValues): void {
  const invalid = invalidField(settings.fields, values);
  if (invalid) {
    const [field, reason] = invalid;
    throw new DomainError(ErrorCode.ValidationFailed, `${field} ${reason}`, [{ path: field, message: reason }]);
  }
}

export async function removeOverride<T>(db: Db, key: OverrideKey<T>): Promise<void> {
  if (!(await removeLayer(db, layerKey(key)))) throw new DomainError(ErrorCode.NotFound, 'no such override');
}

const layerKey = <T>(key: OverrideKey<T>) => ({
  operation: key.settings.operation,
  subject: key.subject,
  scope: key.scope,
  scopeId: key.scopeId,
});
