/**
 * The settings resolver's surface for every feature: the cached resolver (API processes), the reading one (worker,
 * operators), and saving a whole default layer (the per-currency settings routes).
 */
import type { OperationSettings } from '../../domain/settings/fields.js';
import type { Db } from '../../platform/db/client.js';
import { saveLayer } from './store.js';

export { SettingsResolver, resolveSettings, resolveSettingsForUsers } from './resolver.js';
/** Operators' console: the operations with settings, and saving a default layer as the ops API does. */
export { OPERATIONS } from './operations.js';
export { saveDefaultLayer } from './service.js';

/** Replaces the subject's default layer with every field of `settings`. */
export async function saveDefaultSettings<T>(
  db: Db,
  settings: OperationSettings<T>,
  subject: string,
  value: T,
  updatedBy: string,
): Promise<void> {
  await saveLayer(
    db,
    { operation: settings.operation, subject, scope: 'default', scopeId: '' },
    settings.encode(value),
    updatedBy,
  );
}
