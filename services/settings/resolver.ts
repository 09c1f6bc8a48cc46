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
import {
  effectiveValues,
  layerApplies,
  type SettingLayer,
  type SettingsHolder,
  type SettingValues,
} from '../../domain/settings/resolve.js';
import { InvalidatedCache } from '../../platform/cache/invalidated-cache.js';
import type { Db } from '../../platform/db/client.js';
import type { Invalidations } from '../../platform/db/invalidations.js';
import { batchLayers, subjectLayers, userLayers } from './store.js';

/** A decoded value and the operation it was decoded for. */
interface Decoded {
  settings: OperationSettings<unknown>;
  value: unknown;
}

export class SettingsResolver {
  private readonly layers: InvalidatedCache<SettingLayer[]>;
  /**
   * Decoded settings beside the cached layers they were decoded from, by which of those layers apply: a layer's change
   * reloads the subject's layers as a new list, so a decoded value is dropped with its list and never outlives it (and
   * while the cache is not live, every read is a new list too). Decoding on every request was ~1.5% of the API's CPU.
   */
  private readonly decoded = new WeakMap<readonly SettingLayer[], Map<string, Decoded>>();

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

  /**
   * The settings of `operation` on `subject` that apply to `holder` (null: the subject's default). Holders to whom the
   * same layers apply share one frozen value.
   */
  async resolve<T>(settings: OperationSettings<T>, subject: string, holder: SettingsHolder | null): Promise<T> {
    const layers = await this.subjectLayers(settings, subject);
    let byApplying = this.decoded.get(layers);
    if (byApplying === undefined) this.decoded.set(layers, (byApplying = new Map()));
    // besides the operation's defaults, which of its subject's layers apply is all the effective values depend on
    const applying = applyingLayers(layers, holder);
    const hit = byApplying.get(applying);
    if (hit?.settings === settings) return hit.value as T;
    const value = deepFreeze(settings.decode(effectiveValues(settings.defaults, layers, holder)));
    byApplying.set(applying, { settings, value });
    return value;
  }

  /** The same, before decoding: what operators are shown. */
  async values<T>(settings: OperationSettings<T>, subject: string, holder: SettingsHolder | null): Promise<SettingValues> {
    return effectiveValues(settings.defaults, await this.subjectLayers(settings, subject), holder);
  }

  private async subjectLayers<T>(settings: OperationSettings<T>, subject: string): Promise<SettingLayer[]> {
    return (await this.layers.get(`${settings.operation}:${subject}`))!;
  }
}

/** The positions of the layers that apply to `holder`, as a key ('' when none does). */
function applyingLayers(layers: readonly SettingLayer[], holder: SettingsHolder | null): string {
  let key = '';
  for (let i = 0; i < layers.length; i++) if (layerApplies(layers[i]!, holder)) key += `${i},`;
  return key;
}

/** A value shared by many requests: none may change it for the others. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
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

/**
 * The settings of many (subject, user) pairs at once, in two reads (a batch of deposits credits under each user's
 * settings): returns a lookup for the pairs asked.
 */
export async function resolveSettingsForUsers<T>(
  db: Db,
  settings: OperationSettings<T>,
  wanted: Array<{ subject: string; userId: string }>,
): Promise<(subject: string, userId: string) => T> {
  const { layers, holders } = await batchLayers(
    db,
    settings.operation,
    [...new Set(wanted.map((w) => w.subject))],
    [...new Set(wanted.map((w) => w.userId))],
  );
  const decoded = new Map<string, T>();
  return (subject, userId) => {
    const key = `${subject}:${userId}`;
    let value = decoded.get(key);
    if (value === undefined) {
      const holder = holders.get(userId);
      value = settings.decode(
        effectiveValues(settings.defaults, layers.get(subject) ?? [], holder ? { id: userId, ...holder } : null),
      );
      decoded.set(key, value);
    }
    return value;
  };
}
