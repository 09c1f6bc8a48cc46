/**
 * The one rule for an effective setting: for an operation (transfers, withdrawals, deposits, exchange…) on a subject
 * (a currency code, or a pair for the exchange), a field takes its value from the most specific layer that sets it:
 * the user's own override, then their group's, then their verification level's (KYC tiers, as Peatio's), then the
 * subject's default, then the operation's built-in default. A layer sets only the fields it names; a field set to
 * null means "no limit" there, which a more specific layer may still replace.
 */

/** Least to most specific. */
export const SETTING_SCOPES = ['default', 'level', 'group', 'user'] as const;
export type SettingScope = (typeof SETTING_SCOPES)[number];

export type SettingValue = boolean | number | string | null;
export type SettingValues = Readonly<Record<string, SettingValue>>;

export interface SettingLayer {
  scope: SettingScope;
  /** '' for the default; the level as a number's text, the group's id or the user's id otherwise. */
  scopeId: string;
  values: SettingValues;
}

/** Whose settings: any principal with a group and a verification level. */
export interface SettingsHolder {
  id: string;
  groupId: string | null;
  verificationLevel: number;
}

/** Whether `layer` applies to `holder` (null: nobody in particular, so only the default applies). */
export function layerApplies(layer: SettingLayer, holder: SettingsHolder | null): boolean {
  switch (layer.scope) {
    case 'default':
      return true;
    case 'level':
      return holder !== null && layer.scopeId === String(holder.verificationLevel);
    case 'group':
      return holder !== null && holder.groupId !== null && layer.scopeId === holder.groupId;
    case 'user':
      return holder !== null && layer.scopeId === holder.id;
  }
}

/** The effective values: `base` (the operation's built-in defaults) overlaid by every applicable layer, by rank. */
export function effectiveValues(
  base: SettingValues,
  layers: readonly SettingLayer[],
  holder: SettingsHolder | null,
): SettingValues {
  const applicable = layers
    .filter((layer) => layerApplies(layer, holder))
    .sort((a, b) => SETTING_SCOPES.indexOf(a.scope) - SETTING_SCOPES.indexOf(b.scope));
  if (applicable.length === 0) return base;
  const merged: Record<string, SettingValue> = { ...base };
  for (const layer of applicable) {
    for (const [field, value] of Object.entries(layer.values)) if (field in base) merged[field] = value;
  }
  return merged;
}
