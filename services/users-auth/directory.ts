/**
 * Users and API keys as every request sees them, kept in memory: authenticating a request reads no row. Entries
 * live until the row changes; the database says so through LISTEN/NOTIFY (db/migrations/008_cache_invalidation.sql,
 * platform/db/invalidations.ts), so disabling a user, revoking a key or changing a role or an allow-list reaches
 * every API process within milliseconds. Until invalidations are known to arrive, every lookup reads the database.
 * Whoever holds a user's access beyond one request (a websocket) watches the user and asks again when told.
 */
import { InvalidatedCache } from '../../platform/cache/invalidated-cache.js';
import { unseal } from '../../platform/crypto/sealed.js';
import type { Db } from '../../platform/db/client.js';
import type { Invalidations } from '../../platform/db/invalidations.js';
import type { ApiKeyScope } from './api-key-scopes.js';
import { activeApiKey } from './api-keys-store.js';
import { allowlistChecker } from './ip-allowlist.js';
import { userByEmail, userById, type Role } from './users-store.js';
import { extended } from '../../domain/objects.js';

/** Who a request acts for, with their IP allow-list compiled once. */
export interface Principal {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
  /** What chooses the settings that apply to them (services/settings). */
  groupId: string | null;
  verificationLevel: number;
  /** Moves on when the password changes: sessions started under an earlier one are over. */
  sessionVersion: number;
  allowsIp(ip: string): boolean;
}

/** An active API key with its secret unsealed once, its scopes and its own IP allow-list compiled. */
export interface ActiveApiKey {
  userId: string;
  secret: string;
  scopes: ReadonlySet<ApiKeyScope>;
  allowsIp(ip: string): boolean;
}

export class UserDirectory {
  private readonly principals: InvalidatedCache<Principal>;
  private readonly apiKeys: InvalidatedCache<ActiveApiKey>;
  /** Emails to ids: any change to a user forgets them all, since the change names the user by id. */
  private readonly idsByEmail: InvalidatedCache<string>;
  private readonly userWatchers = new Map<string, Set<() => void>>();

  constructor(db: Db, apiKeySealingKey: Buffer) {
    this.principals = new InvalidatedCache(async (id) => {
      const user = await userById(db, id);
      return user && extended(user, { allowsIp: allowlistChecker(user.ipAllowlist) });
    });
    this.apiKeys = new InvalidatedCache(async (id) => {
      const key = await activeApiKey(db, id);
      return (
        key && {
          userId: key.userId,
          secret: unseal(apiKeySealingKey, key.secretSealed),
          scopes: new Set(key.scopes),
          allowsIp: allowlistChecker(key.ipAllowlist),
        }
      );
    });
    this.idsByEmail = new InvalidatedCache(async (email) => (await userByEmail(db, email))?.id ?? null);
  }

  /** Subscribes the caches to the changes of their tables; until then (and whenever the listener is down) they read through. */
  listenTo(invalidations: Invalidations): void {
    invalidations.register('users', this.principals);
    invalidations.register('users', {
      invalidate: () => this.idsByEmail.clear(),
      setLive: (live) => this.idsByEmail.setLive(live),
    });
    // after the principals: a watcher told of a change reads the changed row, not the forgotten entry
    invalidations.register('users', {
      invalidate: (id) => this.tellWatchers(id),
      // back from an outage, changes made meanwhile were missed: every watcher asks again (going down changes nothing)
      setLive: (live) => {
        if (live) for (const id of this.userWatchers.keys()) this.tellWatchers(id);
      },
    });
    invalidations.register('api_keys', this.apiKeys);
  }

  /**
   * This process changed the user: forget them now, so its next request sees the change (other processes hear of
   * it by NOTIFY, milliseconds later).
   */
  userChanged(id: string): void {
    this.principals.invalidate(id);
    this.idsByEmail.clear();
    this.tellWatchers(id);
  }

  /**
   * Calls `changed` whenever the user's entry is forgotten (their row changed, on this process or another) and when
   * the invalidations come back after an outage, so that a holder of the user's access asks principal() again.
   * Returns the way to stop watching.
   */
  watchUser(id: string, changed: () => void): () => void {
    let watchers = this.userWatchers.get(id);
    if (!watchers) this.userWatchers.set(id, (watchers = new Set()));
    watchers.add(changed);
    return () => {
      watchers.delete(changed);
      if (watchers.size === 0 && this.userWatchers.get(id) === watchers) this.userWatchers.delete(id);
    };
  }

  private tellWatchers(id: string): void {
    for (const changed of this.userWatchers.get(id) ?? []) changed();
  }

  /** This process revoked or changed the key: forget it now, as userChanged. */
  apiKeyChanged(id: string): void {
    this.apiKeys.invalidate(id);
  }

  principal(id: string): Promise<Principal | null> {
    return this.principals.get(id);
  }

  async principalByEmail(email: string): Promise<Principal | null> {
    const id = await this.idsByEmail.get(email);
    return id === null ? null : this.principal(id);
  }

  apiKey(id: string): Promise<ActiveApiKey | null> {
    return this.apiKeys.get(id);
  }
}
