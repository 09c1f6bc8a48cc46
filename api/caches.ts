/**
 * The API's in-memory caches of rows that change rarely and are read on every request (users, API keys, transfer
 * rules, every operation's settings layers, the current rates), with the LISTEN connection that tells them when a row changed. Until that connection is listening, and
 * whenever it is lost, they read through to the database.
 */
import type { Sql } from '../platform/db/client.js';
import { Invalidations, listenForInvalidations } from '../platform/db/invalidations.js';
import type { Logger } from '../platform/log.js';
import { CurrentRates } from '../services/rates/client.js';
import { SettingsResolver } from '../services/settings/client.js';
import { UserDirectory } from '../services/users-auth/directory.js';

export interface ApiCaches {
  users: UserDirectory;
  operationSettings: SettingsResolver;
  rates: CurrentRates;
  /** Whether the caches are serving from memory (the listener is up). */
  live(): boolean;
  close(): Promise<void>;
}

export function startApiCaches(sql: Sql, databaseUrl: string, apiKeySealingKey: Buffer, log: Logger): ApiCaches {
  const invalidations = new Invalidations();
  const users = new UserDirectory(sql, apiKeySealingKey);
  const operationSettings = new SettingsResolver(sql);
  const rates = new CurrentRates(sql);
  users.listenTo(invalidations);
  operationSettings.listenTo(invalidations);
  rates.listenTo(invalidations);
  const listener = listenForInvalidations(databaseUrl, invalidations, log);
  return { users, operationSettings, rates, live: () => invalidations.isLive, close: () => listener.close() };
}
