import { describe, expect, it } from 'vitest';
import { InvalidatedCache } from '../../platform/cache/invalidated-cache.js';
import { Invalidations } from '../../platform/db/invalidations.js';
import { allowlistChecker } from '../../services/users-auth/ip-allowlist.js';

/** A source whose answers the test releases by hand, counting reads. */
function controlledSource() {
  const rows = new Map<string, string>();
  const pending: Array<() => void> = [];
  let reads = 0;
  return {
    rows,
    get reads() {
      return reads;
    },
    load: (key: string) => {
      reads++;
      const value = rows.get(key) ?? null; // read now, like a SELECT at this instant
      return new Promise<string | null>((resolve) => pending.push(() => resolve(value)));
    },
    release: () => pending.splice(0).forEach((answer) => answer()),
  };
}

async function settled<T>(promise: Promise<T>, source: { release(): void }): Promise<T> {
  source.release();
  return promise;
}

describe('InvalidatedCache', () => {
  it('reads through while not live, and keeps nothing', async () => {
    const source = controlledSource();
    source.rows.set('u1', 'admin');
    const cache = new InvalidatedCache(source.load);
    expect(await settled(cache.get('u1'), source)).toBe('admin');
    expect(await settled(cache.get('u1'), source)).toBe('admin');
    expect(source.reads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('serves hits from memory while live, and forgets a key when it is invalidated', async () => {
    const source = controlledSource();
    source.rows.set('u1', 'user');
    const cache = new InvalidatedCache(source.load);
    cache.setLive(true);
    expect(await settled(cache.get('u1'), source)).toBe('user');
    expect(await cache.get('u1')).toBe('user');
    expect(source.reads).toBe(1);

    source.rows.set('u1', 'admin');
    cache.invalidate('u1');
    expect(await settled(cache.get('u1'), source)).toBe('admin');
    expect(source.reads).toBe(2);
  });

  it('shares one read among concurrent callers', async () => {
    const source = controlledSource();
    source.rows.set('u1', 'user');
    const cache = new InvalidatedCache(source.load);
    cache.setLive(true);
    const both = Promise.all([cache.get('u1'), cache.get('u1')]);
    expect(await settled(both, source)).toEqual(['user', 'user']);
    expect(source.reads).toBe(1);
  });

  it('does not keep misses: a row created later is found at once', async () => {
    const source = controlledSource();
    const cache = new InvalidatedCache(source.load);
    cache.setLive(true);
    expect(await settled(cache.get('k1'), source)).toBeNull();
    source.rows.set('k1', 'key');
    expect(await settled(cache.get('k1'), source)).toBe('key');
  });

  it('does not keep a read that an invalidation overtook, and later callers do not join it', async () => {
    const source = controlledSource();
    source.rows.set('u1', 'enabled');
    const cache = new InvalidatedCache(source.load);
    cache.setLive(true);
    const stale = cache.get('u1'); // read before the change commits…
    source.rows.set('u1', 'disabled');
    cache.invalidate('u1'); // …and the NOTIFY arrives before the read's answer
    const fresh = cache.get('u1');
    source.release();
    expect(await stale).toBe('enabled'); // its caller asked before the change was known
    expect(await fresh).toBe('disabled');
    expect(await settled(cache.get('u1'), source)).toBe('disabled');
  });

  it('starts empty whenever it goes live or stops being live (changes may have been missed)', async () => {
    const source = controlledSource();
    source.rows.set('u1', 'user');
    const cache = new InvalidatedCache(source.load);
    cache.setLive(true);
    await settled(cache.get('u1'), source);
    cache.setLive(false);
    expect(cache.size).toBe(0);
    cache.setLive(true);
    source.rows.set('u1', 'admin');
    expect(await settled(cache.get('u1'), source)).toBe('admin');
  });

  it('does not keep a read that was under way while it was not live', async () => {
    const source = controlledSource();
    source.rows.set('u1', 'user');
    const cache = new InvalidatedCache(source.load);
    const early = cache.get('u1');
    cache.setLive(true);
    await settled(early, source);
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entry beyond its size', async () => {
    const source = controlledSource();
    for (const key of ['a', 'b', 'c']) source.rows.set(key, key.toUpperCase());
    const cache = new InvalidatedCache(source.load, 2);
    cache.setLive(true);
    for (const key of ['a', 'b', 'c']) await settled(cache.get(key), source);
    expect(cache.size).toBe(2);
    await settled(cache.get('a'), source);
    expect(source.reads).toBe(4);
  });
});

describe('Invalidations', () => {
  it('routes `<table>:<key>` to the caches of that table, and tells them all when it goes live or not', () => {
    const seen: string[] = [];
    const target = (name: string) => ({
      invalidate: (key: string) => seen.push(`${name} ${key}`),
      setLive: (live: boolean) => seen.push(`${name} live=${live}`),
    });
    const invalidations = new Invalidations();
    invalidations.register('users', target('principals'));
    invalidations.register('api_keys', target('keys'));
    invalidations.setLive(true);
    invalidations.deliver('users:3f2a');
    invalidations.deliver('api_keys:sk_1:with:colons');
    invalidations.deliver('unknown:1');
    expect(seen).toEqual([
      'principals live=false',
      'keys live=false',
      'principals live=true',
      'keys live=true',
      'principals 3f2a',
      'keys sk_1:with:colons',
    ]);
  });
});

describe('allowlistChecker', () => {
  it('allows everyone with an empty list, and only the listed blocks otherwise (IPv4-mapped IPv6 included)', () => {
    expect(allowlistChecker([])('203.0.113.9')).toBe(true);
    const allows = allowlistChecker(['10.0.0.0/8', '2001:db8::/32']);
    expect(allows('10.1.2.3')).toBe(true);
    expect(allows('::ffff:10.1.2.3')).toBe(true);
    expect(allows('2001:db8::1')).toBe(true);
    expect(allows('192.168.0.1')).toBe(false);
    expect(allows('not an address')).toBe(false);
  });
});
