/** Transfer rules per currency, in memory until their row changes (a NOTIFY from transfer_settings' trigger). */
import type { TransferRules } from '../../domain/transfers/rules.js';
import { InvalidatedCache } from '../../platform/cache/invalidated-cache.js';
import type { Db } from '../../platform/db/client.js';
import type { Invalidations } from '../../platform/db/invalidations.js';
import { transferRules } from './settings-store.js';

export class TransferRulesCache {
  private readonly rules: InvalidatedCache<TransferRules>;

  constructor(db: Db) {
    // a currency without a row has the defaults, kept like any other answer: inserting its row invalidates it
    this.rules = new InvalidatedCache((currency) => transferRules(db, currency));
  }

  listenTo(invalidations: Invalidations): void {
    invalidations.register('transfer_settings', this.rules);
  }

  /** This process saved the currency's rules: forget them now (other processes hear of it by NOTIFY). */
  changed(currency: string): void {
    this.rules.invalidate(currency);
  }

  async get(currency: string): Promise<TransferRules> {
    return (await this.rules.get(currency))!;
  }
}
