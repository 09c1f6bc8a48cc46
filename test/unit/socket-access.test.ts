/**
 * A market socket's sign-in, kept true while the socket lives: withdrawn when its token expires and when a change to
 * its user (heard through the user directory) would refuse them; the directory tells its watchers of those changes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SocketAccess } from '../../api/http/socket-access.js';
import type { Db } from '../../platform/db/client.js';
import { Invalidations } from '../../platform/db/invalidations.js';
import { UserDirectory, type Principal } from '../../services/users-auth/directory.js';
import { allowlistChecker } from '../../services/users-auth/ip-allowlist.js';

const IP = '203.0.113.7';
const TTL_MS = 15 * 60_000;

const principal = (id: string, changes: Partial<Principal> = {}): Principal => ({
  id,
  email: `${id}@example.com`,
  role: 'user',
  disabled: false,
  groupId: null,
  verificationLevel: 0,
  sessionVersion: 0,
  allowsIp: allowlistChecker([]),
  ...changes,
});

/** Users whose reads the test may hold back (a read answers the row as it was when it began), and their watchers. */
function fakeDirectory() {
  const rows = new Map<string, Principal>();
  const watchers = new Map<string, Set<() => void>>();
  const heldReads: Array<() => void> = [];
  let holding = false;
  return {
    rows,
    watchers: (id: string) => watchers.get(id)?.size ?? 0,
    hold: () => (holding = true),
    release: () => {
      holding = false;
      heldReads.splice(0).forEach((answer) => answer());
    },
    /** The row changes, and the directory tells the watchers, as a NOTIFY would. */
    change(id: string, changes: Partial<Principal>) {
      rows.set(id, { ...rows.get(id)!, ...changes });
      for (const changed of watchers.get(id) ?? []) changed();
    },
    principal(id: string): Promise<Principal | null> {
      const row = rows.get(id) ?? null;
      return holding ? new Promise((resolve) => heldReads.push(() => resolve(row))) : Promise.resolve(row);
    },
    watchUser(id: string, changed: () => void) {
      const set = watchers.get(id) ?? new Set();
      watchers.set(id, set.add(changed));
      return () => set.delete(changed);
    },
  };
}

let users: ReturnType<typeof fakeDirectory>;
let withdrawn: string[];
let access: SocketAccess;
const tokens = new Map<string, string>();

beforeEach(() => {
  vi.useFakeTimers();
  users = fakeDirectory();
  users.rows.set('ann', principal('ann'));
  users.rows.set('bob', principal('bob'));
  tokens.set('ann-token', 'ann').set('bob-token', 'bob');
  withdrawn = [];
  const verifyAccess = async (token: string) => {
    const userId = tokens.get(token);
    return userId ? { userId, expiresAtMs: Date.now() + TTL_MS, sessionVersion: 0 } : null;
  };
  access = new SocketAccess({ users, tokens: { verifyAccess } }, IP, (reason) => withdrawn.push(reason));
});
afterEach(() => vi.useRealTimers());

describe('SocketAccess', () => {
  it('signs in a valid token of a user who may act, and refuses the others with the reason', async () => {
    expect(await access.signIn('forged')).toBe('invalid or expired token');
    users.change('bob', { disabled: true });
    expect(await access.signIn('bob-token')).toBe('this account is disabled');
    users.change('ann', { allowsIp: allowlistChecker(['198.51.100.0/24']) });
    expect(await access.signIn('ann-token')).toMatch(/not on your allow-list/);
    expect(access.userId).toBeNull();
    expect(users.watchers('ann') + users.watchers('bob')).toBe(0);

    users.change('ann', { allowsIp: allowlistChecker(['203.0.113.0/24']) });
    expect(await access.signIn('ann-token')).toBeNull();
    expect(access.userId).toBe('ann');
  });

  it('is withdrawn when the user is disabled or their allow-list no longer takes the socket, not by other changes', async () => {
    await access.signIn('ann-token');
    users.change('ann', { role: 'operator' });
    await vi.advanceTimersByTimeAsync(0);
    expect(access.userId).toBe('ann');
    expect(withdrawn).toEqual([]);

    users.change('ann', { disabled: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(access.userId).toBeNull();
    expect(withdrawn).toEqual(['this account is disabled']);
    expect(users.watchers('ann')).toBe(0);

    users.change('ann', { disabled: false });
    await access.signIn('ann-token');
    users.change('ann', { allowsIp: allowlistChecker(['198.51.100.0/24']) });
    await vi.advanceTimersByTimeAsync(0);
    expect(withdrawn).toEqual(['this account is disabled', 'requests from this IP address are not on your allow-list']);
  });

  it("is withdrawn by a password change, which refuses the token's sign-in from then on", async () => {
    await access.signIn('ann-token');
    users.change('ann', { sessionVersion: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(access.userId).toBeNull();
    expect(withdrawn).toEqual(['the access token was revoked by a password change: sign in again']);
    expect(await access.signIn('ann-token')).toMatch(/revoked by a password change/);
  });

  it('is withdrawn when its access token expires; a fresh token of the same user keeps it going', async () => {
    await access.signIn('ann-token');
    await vi.advanceTimersByTimeAsync(TTL_MS - 60_000);
    expect(await access.signIn('ann-token')).toBeNull(); // a fresh token, as after a refresh
    await vi.advanceTimersByTimeAsync(TTL_MS - 1);
    expect(withdrawn).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(access.userId).toBeNull();
    expect(withdrawn).toEqual(['the access token expired: authenticate again']);
  });

  it('reads the user again when a change is heard while the sign-in reads them', async () => {
    users.hold();
    const signingIn = access.signIn('ann-token');
    await vi.advanceTimersByTimeAsync(0);
    users.change('ann', { disabled: true }); // committed after the read began: the read answers the old row
    users.release();
    expect(await signingIn).toBe('this account is disabled');
    expect(access.userId).toBeNull();
  });

  it("another user's sign-in withdraws the first; closing stops watching, even a sign-in still being checked", async () => {
    await access.signIn('ann-token');
    await access.signIn('bob-token');
    expect(withdrawn).toEqual(['authenticated as another user']);
    expect([access.userId, users.watchers('ann'), users.watchers('bob')]).toEqual(['bob', 0, 1]);

    users.hold();
    const signingIn = access.signIn('ann-token');
    await vi.advanceTimersByTimeAsync(0);
    access.close();
    users.release();
    await signingIn;
    expect([users.watchers('ann'), users.watchers('bob'), vi.getTimerCount()]).toEqual([0, 0, 0]);
  });
});

describe('UserDirectory.watchUser', () => {
  it("tells a user's watchers of every change to their row, here or by NOTIFY, and all of them when invalidations resume", () => {
    const invalidations = new Invalidations();
    const directory = new UserDirectory({} as Db, Buffer.alloc(32));
    directory.listenTo(invalidations);
    const heard: string[] = [];
    const stopAnn = directory.watchUser('ann', () => heard.push('ann'));
    directory.watchUser('bob', () => heard.push('bob'));

    invalidations.deliver('users:ann');
    invalidations.deliver('users:carl');
    directory.userChanged('bob');
    expect(heard).toEqual(['ann', 'bob']);

    invalidations.setLive(true); // back after an outage: changes may have been missed
    expect(heard.slice(2).sort()).toEqual(['ann', 'bob']);
    invalidations.setLive(false);
    stopAnn();
    invalidations.deliver('users:ann');
    expect(heard).toHaveLength(4);
  });
});
