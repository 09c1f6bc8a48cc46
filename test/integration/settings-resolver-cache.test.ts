/**
 * The resolver's decoded settings (services/settings/resolver.ts) on a real database: holders to whom the same layers
 * apply share one decoded value, and a layer's change reaches the next resolve, for every holder it concerns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingsHolder } from '../../domain/settings/resolve.js';
import { TRANSFER_SETTINGS } from '../../domain/transfers/rules.js';
import { Invalidations } from '../../platform/db/invalidations.js';
import { SettingsResolver } from '../../services/settings/resolver.js';
import { saveLayer } from '../../services/settings/store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let resolver: SettingsResolver;

const alice: SettingsHolder = { id: '00000000-0000-4000-8000-00000000000a', groupId: 'vip', verificationLevel: 1 };
const bob: SettingsHolder = { id: '00000000-0000-4000-8000-00000000000b', groupId: 'vip', verificationLevel: 1 };
const carol: SettingsHolder = { id: '00000000-0000-4000-8000-00000000000c', groupId: null, verificationLevel: 1 };
const layer = (scope: 'default' | 'group' | 'user', scopeId: string) => ({
  operation: TRANSFER_SETTINGS.operation,
  subject: 'EUR',
  scope,
  scopeId,
});

beforeAll(async () => {
  db = await createTestDatabase();
  resolver = new SettingsResolver(db.sql);
  const invalidations = new Invalidations();
  resolver.listenTo(invalidations);
  // as when the NOTIFY listener is connected; this test's changes reach the resolver through changed()
  invalidations.setLive(true);
  await saveLayer(db.sql, layer('default', ''), { min_amount: '5' }, null);
  await saveLayer(db.sql, layer('group', 'vip'), { max_amount: '500' }, null);
});
afterAll(() => db.drop());

const rules = (holder: SettingsHolder | null) => resolver.resolve(TRANSFER_SETTINGS, 'EUR', holder);

describe('SettingsResolver decoded settings', () => {
  it('gives holders under the same layers one frozen value, and others their own', async () => {
    const [forAlice, forBob, forCarol, forNobody] = [await rules(alice), await rules(bob), await rules(carol), await rules(null)];
    expect(forAlice).toMatchObject({ minAmount: 5n, maxAmount: 500n });
    expect(forBob).toBe(forAlice);
    expect(forCarol).toMatchObject({ minAmount: 5n, maxAmount: null });
    expect(forNobody).toBe(forCarol);
    expect(Object.isFrozen(forAlice) && Object.isFrozen(forAlice.fee)).toBe(true);
  });

  it('decodes again once a layer of the subject changed, for every holder it concerns', async () => {
    const before = await rules(alice);
    await saveLayer(db.sql, layer('user', alice.id), { max_amount: '50' }, null);
    resolver.changed(TRANSFER_SETTINGS.operation, 'EUR');
    expect(await rules(alice)).toMatchObject({ minAmount: 5n, maxAmount: 50n });
    expect(await rules(bob)).toMatchObject({ maxAmount: 500n });
    expect(await rules(bob)).not.toBe(before);

    await saveLayer(db.sql, layer('default', ''), { min_amount: '7' }, null);
    resolver.changed(TRANSFER_SETTINGS.operation, 'EUR');
    expect(await rules(carol)).toMatchObject({ minAmount: 7n });
    expect(await rules(bob)).toMatchObject({ minAmount: 7n, maxAmount: 500n });
  });
});
