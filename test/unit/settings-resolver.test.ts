import { describe, expect, it } from 'vitest';
import { invalidField } from '../../domain/settings/fields.js';
import { effectiveValues, type SettingLayer } from '../../domain/settings/resolve.js';
import { TRANSFER_SETTINGS } from '../../domain/transfers/rules.js';
import { WITHDRAWAL_SETTINGS } from '../../domain/withdrawals/rules.js';

const base = { enabled: true, min_amount: '1', daily_limit: null, fee_percent: '0' };
const alice = { id: 'u-alice', groupId: 'vip', verificationLevel: 2 };
const layer = (scope: SettingLayer['scope'], scopeId: string, values: SettingLayer['values']): SettingLayer => ({
  scope,
  scopeId,
  values,
});

describe('effectiveValues', () => {
  const layers = [
    layer('user', 'u-alice', { min_amount: '5' }),
    layer('default', '', { daily_limit: '1000', fee_percent: '1' }),
    layer('group', 'vip', { daily_limit: '5000', min_amount: '3' }),
    layer('level', '2', { daily_limit: '2000', fee_percent: '0.5' }),
  ];

  it('takes each field from the most specific layer that sets it: user, group, level, default, built-in', () => {
    expect(effectiveValues(base, layers, alice)).toEqual({
      enabled: true, // built-in
      min_amount: '5', // user over group
      daily_limit: '5000', // group over level over default
      fee_percent: '0.5', // level over default
    });
  });

  it('applies only the holder’s own group, level and user layers', () => {
    const bob = { id: 'u-bob', groupId: 'retail', verificationLevel: 1 };
    expect(effectiveValues(base, layers, bob)).toEqual({ ...base, daily_limit: '1000', fee_percent: '1' });
    const noGroup = { id: 'u-carol', groupId: null, verificationLevel: 2 };
    expect(effectiveValues(base, layers, noGroup)).toMatchObject({ daily_limit: '2000', min_amount: '1' });
  });

  it('gives the default alone for nobody in particular', () => {
    expect(effectiveValues(base, layers, null)).toEqual({ ...base, daily_limit: '1000', fee_percent: '1' });
  });

  it('lets a more specific layer lift a limit with null, and ignores fields the operation does not have', () => {
    const lifted = [layer('default', '', { daily_limit: '1000', spread: '3' }), layer('user', 'u-alice', { daily_limit: null })];
    expect(effectiveValues(base, lifted, alice)).toEqual(base);
  });

  it('returns the built-in defaults untouched when no layer applies', () => {
    expect(effectiveValues(base, [], alice)).toBe(base);
  });
});

describe('operation settings', () => {
  it('decode what they encode', () => {
    const rules = { enabled: false, minAmount: 10n, maxAmount: null, dailyLimit: 10n ** 30n, fee: { fixed: 7n, ratePpm: 2500n } };
    expect(TRANSFER_SETTINGS.decode(TRANSFER_SETTINGS.encode(rules))).toEqual(rules);
    const withdrawal = { ...rules, monthlyLimit: 99n, approvalThreshold: null, confirmations: 12 };
    expect(WITHDRAWAL_SETTINGS.decode(WITHDRAWAL_SETTINGS.encode(withdrawal))).toEqual(withdrawal);
  });

  it('have built-in defaults for every field, valid by their own kinds', () => {
    for (const settings of [TRANSFER_SETTINGS, WITHDRAWAL_SETTINGS]) {
      expect(Object.keys(settings.defaults).sort()).toEqual(Object.keys(settings.fields).sort());
      expect(invalidField(settings.fields, settings.defaults)).toBeNull();
    }
  });

  it('name the first unknown or ill-typed field of a layer', () => {
    const fields = WITHDRAWAL_SETTINGS.fields;
    expect(invalidField(fields, { min_amount: '12', daily_limit: null })).toBeNull();
    expect(invalidField(fields, { colour: 'red' })).toEqual(['colour', 'is not a setting of this operation']);
    expect(invalidField(fields, { min_amount: '1.5' })?.[0]).toBe('min_amount');
    expect(invalidField(fields, { min_amount: null })?.[0]).toBe('min_amount');
    expect(invalidField(fields, { fee_percent: '101' })).toEqual(['fee_percent', 'must not exceed 100']);
    expect(invalidField(fields, { enabled: 'yes' })?.[0]).toBe('enabled');
    expect(invalidField(fields, { confirmations: 1.5 })?.[0]).toBe('confirmations');
  });

  it('refuse a layer whose largest amount is below its smallest (every amount refused)', () => {
    const fields = TRANSFER_SETTINGS.fields;
    expect(invalidField(fields, { min_amount: '1000', max_amount: '500' })).toEqual([
      'max_amount',
      'must not be below min_amount',
    ]);
    expect(invalidField(fields, { min_amount: '1000', max_amount: '1000' })).toBeNull();
    expect(invalidField(fields, { min_amount: '1000', max_amount: null })).toBeNull();
  });
});
