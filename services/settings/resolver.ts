/**
 * Effective settings, as every feature asks for them: `resolve(TRANSFER_SETTINGS, 'EUR', user)` gives the transfer
 * rules that apply to this user in EUR. In the API process the layers of each (operation, subject) are kept in
 * memory until a layer changes (the operation_settings trigger's NOTIFY, keyed `<operation>:<subject>`), and the
 * holder's group and level come from the cached principal, so resolving on the hot path reads no row. Elsewhere
 * (the worker, operators' pages) `resolveSettings` reads the user's layers in one query.
 *
 * A subject's layers are held whole, user overrides included: they are exceptions an operator sets by hand, so a
 * subject has few, and a user without one costs no read (a per-user miss would, since misses are not kept).
 */
import type { OperationSettings } from '../../domain/settings/fields.js';
import { effectiveValues, type SettingLayer, type SettingsHolder, type SettingValues } from '../../domain/settings/resolve.js';
import { InvalidatedCache } from '../../platform/cache/invalidated-cache.js';
import type { Db } from '../../platform/db/client.js';
import type { Invalidations } from '../../platform/db/invalidations.js';
import { subjectLayers, userLayers } from './store.js';

export class SettingsResolver {
  private readonly layers: InvalidatedCache<SettingLayer[]>;

  constructor(db: Db) {
    // a subject without layers is an empty list, kept like any other answer: inserting a layer invalidates it
    this.layers = new InvalidatedCache(async (key) => {
      const colon = key.indexOf(':');
      return subjectLayers(db, key.slice(0, colon), key.slice(colon + 1));
    });
  }

  listenTo(invalidations: Invalidations): void {
    invalidations.register('operation_settings', this.layers);
  }

  /** This process changed a layer of (operation, subject): forget it now (other processes hear of it by NOTIFY). */
  changed(operation: string, subject: string): void {
    this.layers.invalidate(`${operation}:${subject}`);
  }

  /** The settings of `operation` on `subject` that apply to `holder` (null: the subject's default). */
  async resolve<T>(settings: OperationSettings<T>, subject: string, holder: SettingsHolder | null): Promise<T> {
    return settings.decode(await this.values(settings, subject, holder));
  }

  /** The same, before decoding: what operators are shown. */
  async values<T>(settings: OperationSettings<T>, subject: string, holder: SettingsHolder | null): Promise<SettingValues> {
    const layers = (await this.layers.get(`${settings.operation}:${subject}`))!;
    return effectiveValues(settings.defaults, layers, holder);
  }
}

/** The settings of `operation` on `subject` that apply to the user (null: the subject's default), read from the database. */
export async function resolveSettings<T>(
  db: Db,
  settings: OperationSettings<T>,
  subject: string,
  userId: string | null,
): Promise<T> {
  if (userId === null) {
    const layers = await subjectLayers(db, settings.operation, subject);
    return settings.decode(effectiveValues(settings.defaults, layers, null));
  }
  // the query chose the layers of the user's group and level: hand them to the merge as theirs
  const layers = await userLayers(db, settings.operation, subject, userId);
  const holder = {
    id: userId,
    groupId: layers.find((l) => l.scope === 'group')?.scopeId ?? null,
    verificationLevel: Number(layers.find((l) => l.scope === 'level')?.scopeId ?? -1),
  };
  return settings.decode(effectiveValues(settings.defaults, layers, holder));
}
